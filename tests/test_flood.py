"""The flood limit counts what the bot sends (issue 30, findings 5 and 6): every message, button press and vote
costs against the sender's allowance and the group's, and the identities a member can post as in a group (channels
they own, anonymous admin) share one allowance."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.corpus.documents import DocumentRecord
from bot.service import QAService
from bot.storage import Database

from .botapi import FakeBotApi
from .conftest import CORPUS
from .offline import deliver, offline_bot
from .test_telegram_e2e import TOKEN, buttons, reply, start_bot, stop_bot

GROUP = -100555
LIMIT = 4


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QAService]:
    """The seed corpus and 40 more sources with long titles, so that /sources takes several messages."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('flood') / 'bot.sqlite3'}")
    service = QAService(database)
    service.start(CORPUS)
    for i in range(40):
        service.add_document(DocumentRecord(
            title=f"Report {i} from the pastures of the Naryn valley on the herders' flocks and the summer weather "
                  f"in the mountains, with a long title", text=f"Herder {i} moved {i} flocks to the summer pasture.",
            publisher="Naryn Pastures Weekly, a publisher with a long name as well"), added_by="test")
    yield service
    database.dispose()


@pytest.fixture
async def bot(service: QAService) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    async with offline_bot(service, flood_limit=LIMIT, flood_window_seconds=60) as running:
        yield running


def in_group(api: FakeBotApi, text: str, user: int, **kw: Any) -> dict[str, Any]:
    return api.send_text(text, user_id=user, chat_id=GROUP, chat_type="supergroup", **kw)


async def test_a_reply_costs_each_message_it_sends(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    """Finding 6: the limit counted requests: six requests for long replies sent 31 messages into a group."""
    application, api = bot
    mark = api.mark()
    in_group(api, "/sources", 71)
    await deliver(application, api)
    one = len(api.sent_to(GROUP, start=mark))
    assert one >= 2, "the list of sources takes several messages"
    for _ in range(5):
        in_group(api, "/sources", 71)
    await deliver(application, api)
    sent = [c.params["text"] for c in api.sent_to(GROUP, start=mark)]
    # a reply starts while the sender has room left, and may end past it by its other messages
    assert len(sent) <= LIMIT + (one - 1) + 1, f"{len(sent)} messages for a limit of {LIMIT}"
    assert sum("Please wait" in t for t in sent) == 1


async def test_channels_a_member_posts_as_share_one_allowance(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    """Finding 6: posting as each of 5 owned channels gave 5 allowances. Telegram names the channel, not the
    person behind it, so every channel and anonymous identity in a group shares one."""
    application, api = bot
    group = GROUP - 1
    mark = api.mark()
    for round_ in range(3):
        for channel in range(5):
            api.send_text(f"/ask how many hostages were taken ({round_})?", user_id=136817688, chat_id=group,
                          chat_type="supergroup",
                          sender_chat={"id": -1002000 - channel, "type": "channel", "title": f"Channel {channel}"})
    await deliver(application, api)
    texts = [c.params["text"] for c in api.sent_to(group, start=mark)]
    assert sum("blockquote" in t for t in texts) == LIMIT and sum("Please wait" in t for t in texts) == 1
    mark = api.mark()
    api.send_text("/ask how many hostages were taken?", user_id=72, chat_id=group, chat_type="supergroup")
    await deliver(application, api)
    assert any("blockquote" in c.params["text"] for c in api.sent_to(group, start=mark)), "a member is answered"


async def test_a_group_has_an_allowance_of_its_own(service: QAService) -> None:
    """Finding 6: many members (or identities) together cannot make the bot flood a group either: the group has its
    own allowance, and one notice per stretch."""
    async with offline_bot(service, flood_limit=LIMIT, flood_window_seconds=60, group_flood_limit=6,
                           group_flood_window_seconds=60) as (application, api):
        group = GROUP - 2
        mark = api.mark()
        for member in range(80, 90):
            api.send_text("/ask how many hostages were taken?", user_id=member, chat_id=group, chat_type="supergroup")
        await deliver(application, api)
        texts = [c.params["text"] for c in api.sent_to(group, start=mark)]
        assert sum("blockquote" in t for t in texts) == 6 and len(texts) == 7, texts
        mark = api.mark()
        api.send_text("How many hostages were taken?", user_id=80)
        await deliver(application, api)
        assert "blockquote" in api.sent_to(80, start=mark)[0].params["text"]  # a private chat is not the group's


def test_vote_presses_count_and_the_group_is_answered_at_once(tmp_path: Path) -> None:
    """Finding 5: vote presses skipped the flood limit: 60 presses by one member (each an edit of a message in the
    group, which Telegram allows about 20 a minute) delayed another member's /ask from 0.7 s to 126.8 s."""
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp_path, FLOOD_LIMIT="6", FLOOD_WINDOW_SECONDS="60")
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        mark = api.mark()
        in_group(api, "/ask How many people were admitted to hospital?", 501)
        answer = reply(api, GROUP, mark, timeout=20)
        up = buttons(answer)["👍"]
        mark = api.mark()
        for _ in range(60):
            api.press(answer.result, up, user_id=501)
        api.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark, timeout=20)
        time.sleep(0.5)
        asked = time.monotonic()
        other = api.mark()
        in_group(api, "/ask Who is Kursan Asanov?", 502)
        assert "Asanov" in reply(api, GROUP, other, timeout=10).params["text"]
        waited = time.monotonic() - asked
        time.sleep(1.0)
        edits = sum(c.method == "editMessageReplyMarkup" for c in api.calls[mark:])
        assert waited < 2 and edits <= 6, (waited, edits)
        print(f"\n60 vote presses by one member: {edits} edits, another member answered in {waited * 1000:.0f} ms")
    finally:
        stop_bot(process)
        api.stop()
    # the presses carry the message as first sent, so the bot cannot see that its edit already shows the vote
    assert all(e.endswith("message is not modified") for e in api.errors), api.errors
