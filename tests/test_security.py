"""The security review's findings, each as the attack it describes, through PTB's own dispatch (no network):
admin authority on every update kind and command spelling, buttons bound to their asker, anonymous senders,
flood limits on every reply path, and replies within Telegram's limits whatever users and documents hold."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.config import Settings
from bot.service import QAService
from bot.storage import Database
from bot.telegram import admin
from bot.telegram.app import build_application

from .botapi import FakeBotApi, OfflineRequest, parse_html, utf16_len
from .conftest import CORPUS
from .offline import deliver, offline_bot

ADMIN, ATTACKER, OTHER = 900, 666, 667
GROUP_A, GROUP_B = -100501, -100502
# What each admin command would do in an attacker's hands.
ARGUMENTS = {
    "add": "title: Planted | publisher: Attacker\nThe raid on Koi-Tash was staged by actors from Almaty.",
    "remove": "1", "restore": "1", "threshold": "1", "admin_add": str(ATTACKER), "admin_remove": str(ADMIN),
    "synonym_add": "raid = peaceful picnic", "synonym_remove": "1",
}
KINDS = {"edited": "edited_message", "channel post": "channel_post", "edited channel post": "edited_channel_post"}
VARIANTS = ("plain", "comma", "zero-width", "other bot", "edited", "channel post", "edited channel post")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QAService]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('security') / 'bot.sqlite3'}")
    service = QAService(database, threshold=0.15, admin_ids=frozenset({ADMIN}))
    service.start(CORPUS)
    yield service
    database.dispose()


@pytest.fixture
async def bot(service: QAService) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    async with offline_bot(service, flood_limit=4, flood_window_seconds=60, max_question_chars=500,
                           add_timeout_seconds=1) as running:
        yield running


def state(service: QAService) -> tuple[Any, ...]:
    """Everything an admin command could change."""
    documents = [(d.id, d.title, active) for d, _, active in service.store.documents(include_inactive=True)]
    return (documents, service.admins.all(), service.threshold, service.saved_settings.get("decline_threshold"),
            len(service.knowledge), service.synonyms.lines())


def command_text(name: str, variant: str) -> str:
    argument = ARGUMENTS.get(name, "")
    suffix = {"comma": ",", "zero-width": "\u200b", "other bot": "@otherbot"}.get(variant, "")
    return f"/{name}{suffix} {argument}".rstrip()


def send(api: FakeBotApi, text: str, variant: str, user_id: int, original: dict[str, Any] | None) -> None:
    if variant == "edited":
        assert original is not None
        api.edit_text(original, text)
    elif variant in ("channel post", "edited channel post"):
        api.post_in_channel(text, chat_id=-100900, edited=variant == "edited channel post")
    else:
        api.send_text(text, user_id=user_id)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", sorted(admin.NAMES))
async def test_a_non_admin_gains_nothing_from_any_admin_command(
    bot: tuple[Application, FakeBotApi], service: QAService, caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
    name: str, variant: str,
) -> None:
    application, api = bot
    before = state(service)
    original = None
    if variant == "edited":  # the old message is answered as a question first; only the edit matters here
        original = api.send_text("what a day", user_id=ATTACKER)
        await deliver(application, api)
    mark = api.mark()
    with caplog.at_level(logging.WARNING):
        send(api, command_text(name, variant), variant, ATTACKER, original)
        await deliver(application, api)
    assert state(service) == before
    replies = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]
    uploads = [c for c in api.calls[mark:] if c.method in ("sendDocument", "sendPhoto")]
    assert not uploads
    if variant in ("plain", "comma", "zero-width"):
        assert replies[-1] == "Sorry, that is only for the bot's admins."
        assert any("refused admin command" in r.getMessage() and f"from user {ATTACKER}" in r.getMessage()
                   for r in caplog.records)
    elif variant == "other bot":
        assert replies == []  # addressed to another bot: not ours to answer
    else:
        assert replies == []  # an edit is not a new command, and a channel post has no sender to answer
        assert any("refused admin command" in r.getMessage() and f"({KINDS[variant]})" in r.getMessage()
                   for r in caplog.records)


async def test_an_admin_edit_is_not_acted_on_either(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    old = api.send_text("/threshold", user_id=ADMIN)
    await deliver(application, api)
    before = state(service)
    api.edit_text(old, "/threshold 0.9")
    await deliver(application, api)
    assert state(service) == before


async def test_admin_output_never_goes_to_a_group(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    service.ask("Who painted the Mona Lisa?", chat_type="private", chat_id=OTHER, user_id=OTHER)
    for command in ("/export", "/stats", "/unanswered", "/docs"):
        mark = api.mark()
        api.send_text(command, user_id=ADMIN, chat_id=GROUP_A, chat_type="supergroup")
        await deliver(application, api)
        calls = api.calls[mark:]
        assert not any(c.method in ("sendDocument", "sendPhoto") for c in calls)
        [reply] = [c.params["text"] for c in calls if c.method == "sendMessage"]
        assert "private chat" in reply and "Mona Lisa" not in reply
    mark = api.mark()
    api.send_text("/export", user_id=ADMIN)
    await deliver(application, api)
    assert any(c.method == "sendDocument" and c.params["chat_id"] == ADMIN for c in api.calls[mark:])


async def test_anonymous_group_admins_gain_nothing(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    before = state(service)
    group = {"id": GROUP_A, "type": "supergroup", "title": "A"}
    api.send_text(f"/admin_add {ATTACKER}", user_id=ATTACKER, chat_id=GROUP_A, chat_type="supergroup", sender_chat=group)
    await deliver(application, api)
    assert state(service) == before


async def test_forged_admin_buttons_are_refused(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    before = state(service)
    message = api.send_text("hello", user_id=ATTACKER)
    mark = api.mark()
    api.press(message, "adm:rm:1", user_id=ATTACKER)
    await deliver(application, api)
    assert state(service) == before
    [answer] = [c for c in api.calls[mark:] if c.method == "answerCallbackQuery"]
    assert "only for the bot's admins" in answer.params["text"] and answer.params.get("show_alert")


async def test_a_refused_add_states_its_reason(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    before = state(service)
    for text, reason in (("/add http://10.0.0.1/news/raid", "private or local address"), ("/add ---", "no sentence"),
                         (f"/add title: {'T' * 4200}\nThe raid was long.", "title is 4,200 characters")):
        mark = api.mark()
        api.send_text(text, user_id=ADMIN)
        await deliver(application, api)
        reply = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"][-1]
        assert "couldn't add that" in reply and reason in reply and "went wrong" not in reply
    assert state(service) == before


async def test_the_add_conversation_expires(service: QAService) -> None:
    api = FakeBotApi("1:offline")
    settings = Settings(telegram_bot_token=SecretStr("1:offline"), add_timeout_seconds=0.5,
                        _env_file=None)  # type: ignore[call-arg]
    application = build_application(settings, service, request=OfflineRequest(api))
    await application.initialize()
    await application.start()  # runs the job queue that ends conversations
    try:
        before = state(service)
        api.send_text("/add", user_id=ADMIN)
        await deliver(application, api)
        await asyncio.sleep(1.5)
        mark = api.mark()
        api.send_text("How many people were admitted to hospital?", user_id=ADMIN)
        await deliver(application, api)
        replies = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]
        assert any("<b>36</b> people" in r for r in replies), replies
        assert state(service) == before
        assert any("stopped waiting" in c.params.get("text", "") for c in api.calls if c.method == "sendMessage")
    finally:
        await application.stop()
        await application.shutdown()
    assert api.errors == []


def _buttons(call: Any) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row}


async def test_buttons_are_bound_to_their_asker(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    mark = api.mark()
    asked = api.send_text("How many hostages were taken?", user_id=OTHER)
    await deliver(application, api)
    answer = next(c for c in api.calls[mark:] if c.method == "sendMessage")
    keys = _buttons(answer)
    question_id = int(keys["👎"].split(":")[1])
    mark = api.mark()
    api.press(answer.result, keys["👎"], user_id=ATTACKER)
    api.press(answer.result, keys["More"], user_id=ATTACKER)
    await deliver(application, api)
    answers = [c.params for c in api.calls[mark:] if c.method == "answerCallbackQuery"]
    assert len(answers) == 2 and all("Only the person who asked" in a["text"] for a in answers)
    assert not any(c.method == "sendMessage" for c in api.calls[mark:]), "no passages for someone else's question"
    assert service.questions.votes(question_id) == {}
    assert all(u.text != asked["text"] for u in service.reports.unanswered())
    mark = api.mark()
    api.press(answer.result, keys["👎"], user_id=OTHER)
    await deliver(application, api)
    assert service.questions.votes(question_id) == {OTHER: -1}


@pytest.mark.parametrize("data", ["ctx:99999999999999999999999", "more:-5", "v:1:7", "v:0:1", "ex:99", "ex:-1",
                                  "ctx:1:2", "more:1e5", "v:18446744073709551617:1", "adm:rm:x", "ctx:"])
async def test_malformed_button_data_is_answered_and_does_nothing(bot: tuple[Application, FakeBotApi], data: str) -> None:  # type: ignore[type-arg]
    application, api = bot
    message = api.send_text("hello", user_id=OTHER + 1)
    await deliver(application, api)
    mark = api.mark()
    api.press(message, data, user_id=OTHER + 1)
    await deliver(application, api)
    calls = api.calls[mark:]
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_context_of_a_removed_document_says_it_is_gone(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    mark = api.mark()
    api.send_text("How many people were admitted to hospital?", user_id=OTHER + 2)
    await deliver(application, api)
    answer = next(c for c in api.calls[mark:] if c.method == "sendMessage")
    chunk_id = int(_buttons(answer)["Context"].split(":")[1])
    document_id = service.knowledge.chunk(chunk_id).document_id  # type: ignore[union-attr]
    service.set_active(document_id, False)
    try:
        mark = api.mark()
        api.press(answer.result, f"ctx:{chunk_id}", user_id=OTHER + 2)
        await deliver(application, api)
        [reply] = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]
        assert "no longer in my sources" in reply
    finally:
        service.set_active(document_id, True)


async def test_anonymous_senders_are_kept_apart_by_chat(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    group_a = {"id": GROUP_A, "type": "supergroup", "title": "A"}
    group_b = {"id": GROUP_B, "type": "supergroup", "title": "B"}
    for _ in range(3):  # three of the flood limit of 4 in group A; /forgetme is the fourth (it counts too)
        api.send_text("/ask How many hostages were taken?", user_id=1, chat_id=GROUP_A, chat_type="supergroup",
                      sender_chat=group_a)
    api.send_text("/ask Who is Kursan Asanov?", user_id=1, chat_id=GROUP_B, chat_type="supergroup", sender_chat=group_b)
    await deliver(application, api)
    assert any("Asanov" in c.params["text"] for c in api.sent_to(GROUP_B)), "group B has its own flood bucket"
    mark = api.mark()
    api.send_text("/forgetme", user_id=1, chat_id=GROUP_A, chat_type="supergroup", sender_chat=group_a)
    await deliver(application, api)
    assert "deleted 3 questions" in api.sent_to(GROUP_A, start=mark)[0].params["text"]
    with service.database.session() as session:
        from sqlalchemy import select

        from bot.storage.models import Question

        assert session.scalars(select(Question.user_id).where(Question.chat_id == GROUP_B)).all() == [GROUP_B]


async def test_a_flood_in_a_group_gets_one_notice(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    for i in range(60):
        api.send_text(f"/ask how many hostages were taken ({i})?", user_id=OTHER + 3, chat_id=-100777, chat_type="supergroup")
    await deliver(application, api)
    texts = [c.params["text"] for c in api.sent_to(-100777)]
    assert sum("blockquote" in t for t in texts) == 4
    assert sum("Please wait" in t for t in texts) == 1 and len(texts) == 5


async def test_inline_queries_and_more_presses_count_against_the_flood_limit(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    user = OTHER + 4
    for _ in range(6):
        api.inline("hostages", user_id=user)
    await deliver(application, api)
    sizes = [len(c.params["results"]) for c in api.calls if c.method == "answerInlineQuery"]
    assert sizes[:4] == [sizes[0]] * 4 and sizes[0] > 0 and sizes[4:] == [0, 0]
    mark = api.mark()
    api.send_text("hello", user_id=user + 1)
    await deliver(application, api)
    mark = api.mark()
    api.send_text("How many hostages were taken?", user_id=user + 1)
    await deliver(application, api)
    answer = next(c for c in api.calls[mark:] if c.method == "sendMessage")
    for _ in range(5):
        api.press(answer.result, _buttons(answer)["More"], user_id=user + 1)
    await deliver(application, api)
    presses = [c.params.get("text") for c in api.calls[mark:] if c.method == "answerCallbackQuery"]
    more_replies = [c for c in api.sent_to(user + 1, start=mark) if c is not answer]
    assert len(more_replies) == 2 and sum(bool(p and "Please wait" in p) for p in presses) == 1


async def test_user_written_text_in_stats_keeps_every_message_valid(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot
    astral = "\U0001d400" * 500  # 500 letters, 1,000 UTF-16 units
    for i in range(5):
        service.ask(f"{astral} {i}", chat_type="private", chat_id=OTHER + 5, user_id=OTHER + 5)
    for command in ("/stats", "/unanswered"):
        mark = api.mark()
        api.send_text(command, user_id=ADMIN)
        await deliver(application, api)
        sent = [c for c in api.calls[mark:] if c.method == "sendMessage"]
        assert sent and all(c.error is None and utf16_len(parse_html(c.params["text"])) <= 4096 for c in sent)


def test_long_lists_and_titles_are_split_into_valid_messages() -> None:
    import datetime as dt

    from bot.chat import texts

    from bot.telegram.admin import texts as admin_texts
    from bot.answers.answering import Answer, Passage
    from bot.corpus.records import DocumentRef

    documents = [DocumentRef(i, f"Report {i} " + "word " * 58, "Agency " * 28, dt.date(2019, 8, 8), None)
                 for i in range(200)]
    for parts in (texts.sources_list(documents), admin_texts.documents_table([(d, 3, True) for d in documents])):
        assert len(parts) > 1
        assert all(utf16_len(parse_html(p)) <= 4096 for p in parts)
    legacy = DocumentRef(1, "T" * 4200, "P" * 4200, None, None)  # stored before titles had a limit
    passage = Passage("The raid failed. " * 190, 0.9, 1, legacy)
    parts = texts.answer_messages(Answer("q", True, [passage], shown=[passage]), sources=1)
    assert all(utf16_len(parse_html(p)) <= 4096 for p in parts)


def test_a_threshold_change_keeps_a_document_added_meanwhile(tmp_path: Path) -> None:
    """Finding 16: a threshold change swapped in an answerer built on the knowledge base it had read, dropping a
    document added in that moment. Now no answerer is swapped (each answer reads the knowledge base and the
    threshold once), so an add in the middle of a threshold change is kept, and both take effect."""
    import threading

    from bot.corpus.documents import parse_pasted

    service = QAService(Database(f"sqlite:///{tmp_path / 'race.sqlite3'}"))
    service.start(CORPUS)
    record = parse_pasted("title: Leopards\nRangers counted seventeen snow leopards in the Sarychat reserve.")
    original_set = service.saved_settings.set

    def set_while_a_document_is_added(key: str, value: str) -> None:
        adder = threading.Thread(target=service.add_document, args=(record,), kwargs={"added_by": "test"})
        adder.start()
        adder.join(10)  # would deadlock if the threshold change held the index's write lock here
        original_set(key, value)

    service.saved_settings.set = set_while_a_document_is_added  # type: ignore[method-assign]
    service.set_threshold(0.2)
    answer = service.answer("How many snow leopards did the rangers count?")
    assert answer.answered and "seventeen snow leopards" in answer.passages[0].quote
    assert service.threshold == 0.2 and service.refresh() is False  # nothing left to repair


async def test_an_admin_edits_the_synonym_table_by_command(bot: tuple[Application, FakeBotApi], service: QAService) -> None:  # type: ignore[type-arg]
    application, api = bot

    async def say(text: str, user: int = ADMIN) -> str:
        mark = api.mark()
        api.send_text(text, user_id=user)
        await deliver(application, api)
        return "\n".join(c.params["text"] for c in api.sent_to(user, start=mark))

    assert "couldn't find" in await say("Were there any fatalities?", OTHER + 6)
    added = await say("/synonym_add fatalities = killed = died")
    number = int(added.split("<b>")[1].split("</b>")[0])
    assert "fatalities = killed = died" in added
    assert "<blockquote>" in await say("Were there any fatalities?", OTHER + 6)
    assert f"<b>{number}</b>. fatalities = killed = died" in await say("/synonyms")
    assert "at least two" in await say("/synonym_add toll")
    assert "Removed line" in await say(f"/synonym_remove {number}")
    assert "couldn't find" in await say("Were there any fatalities?", OTHER + 7)
    table = await say("/loanwords")  # the loanword table, as corpus/loanwords.txt has it, split within the limit
    assert "<b>how many</b> = skolko = skolka = сколько" in table and "corpus/loanwords.txt" in table
    assert "<b>36</b> people" in await say("skolko ppl were admitted to hospital?", OTHER + 8)  # a question holding one is answered
