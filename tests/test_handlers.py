"""Handlers in-process, PTB style: built updates, the application's own dispatch, no network at all."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from bot.answers.answering import Answerer
from bot.service import QAService
from bot.telegram.app import publish_menus_and_follow_others

from .botapi import FakeBotApi, parse_html
from .offline import deliver, offline_bot


@pytest.fixture
async def bot(seed_service: QAService) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    async with offline_bot(seed_service, flood_limit=3, flood_window_seconds=60, max_question_chars=200) as running:
        yield running


async def say(application: Application, api: FakeBotApi, text: str, user_id: int, **kw: Any) -> list[str]:  # type: ignore[type-arg]
    mark = api.mark()
    api.send_text(text, user_id=user_id, **kw)
    await deliver(application, api)
    chat_id = kw.get("chat_id", user_id)
    return [c.params["text"] for c in api.sent_to(chat_id, start=mark)]


async def test_private_question_gets_quote_and_source(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    [reply] = await say(application, api, "Who was Roza Otunbayeva?", 1)
    assert reply.startswith("<blockquote>") and "Otunbayeva" in reply and "RT, 8 August 2019" in reply


async def test_decline_and_greeting_and_thanks(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    assert "couldn't find" in (await say(application, api, "Who painted the Mona Lisa?", 2))[0]
    assert (await say(application, api, "good morning!", 2))[0].startswith("Hi")
    assert "welcome" in (await say(application, api, "thanks a lot", 2))[0]


async def test_flood_limit_answers_slow_down(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    replies = [await say(application, api, "hostages?", 3) for _ in range(5)]
    assert ["blockquote" in r[0] for r in replies[:3]] == [True, True, True]
    assert len(replies[3]) == 1 and "Please wait" in replies[3][0]
    assert replies[4] == [], "one notice per blocked stretch, not one per message"


async def test_an_unexpected_error_is_logged_and_the_user_told(
    bot: tuple[Application, FakeBotApi], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    application, api = bot

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(Answerer, "answer", explode)  # every answering path: a question, a follow-up, More
    with caplog.at_level(logging.ERROR):
        [reply] = await say(application, api, "how many hostages?", 4)
    assert "something went wrong" in reply
    record = next(r for r in caplog.records if r.getMessage() == "Exception while handling an update")
    assert record.exc_info and "index exploded" in str(record.exc_info[1])


async def test_command_menu_failure_is_only_a_warning(
    bot: tuple[Application, FakeBotApi], caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    application, api = bot
    api.fail_next.append(("setMyCommands", 400, {"ok": False, "error_code": 400, "description": "Bad Request: no"}))
    with caplog.at_level(logging.WARNING):
        await publish_menus_and_follow_others(application)
    application.bot_data.pop("follower").cancel()
    assert any("command menu" in r.getMessage() for r in caplog.records)
    assert "Otunbayeva" in (await say(application, api, "Who was Roza Otunbayeva?", 5))[0]


async def test_long_context_is_split_into_valid_messages(bot: tuple[Application, FakeBotApi], seed_service: QAService) -> None:  # type: ignore[type-arg]
    from bot.chat import texts
    from bot.corpus.records import ChunkRow, DocumentRef

    doc = DocumentRef(1, "T <x>", None, None, None)
    rows = [ChunkRow(i, 1, i, "word & <tag> " * 400) for i in range(5)]
    for part in texts.context_html(rows, 2, doc):
        assert len(parse_html(part)) <= 4096
    from bot.answers.answering import Passage

    parts = texts.more_passages([Passage("a<b " * 3000, 0.5, 1, doc), Passage("short & sweet", 0.4, 2, doc)])
    assert len(parts) >= 3
    for part in parts:
        assert len(parse_html(part)) <= 4096
    assert "a&lt;b" in parts[0] and "short &amp; sweet" in parts[-1]
