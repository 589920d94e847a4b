"""Updates of different chats are handled at once; those of one chat one after another, in order."""

import asyncio

from telegram import Chat, Message, Update, User

from bot.telegram.ordering import ChatOrderedUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    message = Message(update_id, date=None, chat=chat, from_user=User(chat_id, "u", False), text="q")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_one_chat_in_order_many_chats_at_once() -> None:
    processor = ChatOrderedUpdateProcessor(8)
    log: list[tuple[str, int, int]] = []
    running = 0
    most = 0

    async def handle(number: int, chat: int, delay: float) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        log.append(("start", chat, number))
        await asyncio.sleep(delay)
        log.append(("end", chat, number))
        running -= 1

    jobs = []
    for number in range(5):
        for chat in (1, 2, 3):
            # later questions of a chat are quicker, so without ordering they would overtake earlier ones
            jobs.append(processor.process_update(update(number * 10 + chat, chat), handle(number, chat, 0.05 - number * 0.01)))
    await asyncio.gather(*jobs)
    for chat in (1, 2, 3):
        events = [(kind, n) for kind, c, n in log if c == chat]
        assert events == [(kind, n) for n in range(5) for kind in ("start", "end")]
    assert most == 3  # the three chats ran side by side
    assert processor._queues == {}  # noqa: SLF001 - no lock left behind
