"""Channel posts an admin forwards to the bot: a preview with Add / Cancel, then a document whose publisher is
the channel, whose date is the post's and whose link is the public post's; captions and files count."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.service import QAService
from bot.storage import Database

from .botapi import FakeBotApi
from .conftest import CORPUS
from .offline import deliver, offline_bot

ADMIN = 900
CHANNEL = {"id": -1001234, "title": "Kloop News", "username": "kloopnews"}
POSTED = int(dt.datetime(2019, 8, 9, 12, tzinfo=dt.timezone.utc).timestamp())
POST = ("Atambayev taken to Bishkek detention centre\n"
        "Former president Almazbek Atambayev was taken to the GKNB detention centre in Bishkek on Thursday night.")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Application, FakeBotApi, QAService]]:  # type: ignore[type-arg]
    service = QAService(Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}"), admin_ids=frozenset({ADMIN}))
    service.start(CORPUS)
    async with offline_bot(service, flood_limit=100) as (application, api):
        yield application, api, service


async def press_add(application: Application, api: FakeBotApi, offer: object) -> list[str]:  # type: ignore[type-arg]
    data = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]  # type: ignore[attr-defined]
    mark = api.mark()
    api.press(offer.result, data, user_id=ADMIN)  # type: ignore[attr-defined]
    await deliver(application, api)
    return [c.params["text"] for c in api.calls[mark:] if c.method in ("sendMessage", "editMessageText")]


async def test_a_forwarded_post_becomes_a_document_after_a_preview(bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    mark = api.mark()
    api.forward_from_channel(user_id=ADMIN, channel=CHANNEL, post_id=4321, date=POSTED, text=POST)
    await deliver(application, api)
    [offer] = [c for c in api.calls[mark:] if c.method == "sendMessage"]
    assert "Kloop News" in offer.params["text"] and "9 August 2019" in offer.params["text"]
    assert "Atambayev taken to Bishkek detention centre" in offer.params["text"]
    assert not service.store.find_by_url("https://t.me/kloopnews/4321")  # nothing before the button
    replies = await press_add(application, api, offer)
    assert any("Added document" in r for r in replies)
    doc_id = service.store.find_by_url("https://t.me/kloopnews/4321")
    ref = service.knowledge.all_documents[doc_id]  # type: ignore[index]
    assert (ref.title, ref.publisher, ref.date) == ("Atambayev taken to Bishkek detention centre", "Kloop News",
                                                    dt.date(2019, 8, 9))
    answer = service.answer("Where was Atambayev taken?")
    assert answer.answered and "detention centre" in answer.passages[0].quote


async def test_a_caption_or_a_file_counts_and_cancel_adds_nothing(bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    before = len(service.store.documents(include_inactive=True))
    mark = api.mark()
    api.forward_from_channel(user_id=ADMIN, channel={"id": -1009, "title": "Private channel"}, post_id=7,
                             date=POSTED, caption="Troops blocked the road to Koi-Tash with twenty buses at dawn.")
    await deliver(application, api)
    [offer] = [c for c in api.calls[mark:] if c.method == "sendMessage"]
    cancel = offer.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    mark = api.mark()
    api.press(offer.result, cancel, user_id=ADMIN)
    await deliver(application, api)
    assert len(service.store.documents(include_inactive=True)) == before
    assert any("Kept" in c.params.get("text", "") for c in api.calls[mark:])
    assert "Private channel" in offer.params["text"]
    mark = api.mark()
    api.forward_from_channel(user_id=ADMIN, channel=CHANNEL, post_id=99, date=POSTED,
                             document=("statement.txt", b"The GKNB said the detention was lawful and ordered by a court."))
    await deliver(application, api)
    [offer] = [c for c in api.calls[mark:] if c.method == "sendMessage"]
    assert "statement.txt" in offer.params["text"]
    assert any("Added document" in r for r in await press_add(application, api, offer))
    assert service.store.find_by_url("https://t.me/kloopnews/99") is not None


async def test_only_an_admin_can_add_a_forwarded_post(bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    before = len(service.store.documents(include_inactive=True))
    mark = api.mark()
    api.forward_from_channel(user_id=5, channel=CHANNEL, post_id=1, date=POSTED, text=POST)
    await deliver(application, api)
    texts = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]
    assert texts and not any("Add this post" in t for t in texts)  # answered as a question, at most
    assert len(service.store.documents(include_inactive=True)) == before
