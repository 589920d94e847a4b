"""The bot in-process through PTB's own dispatch, with the validating Bot API server behind a `BaseRequest`:
no network at all (PTB's own test approach)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application

from sqlalchemy import delete

from bot.config import Settings
from bot.service import QAService
from bot.storage.models import ConversationState, FloodState
from bot.telegram.app import build_application
from bot.telegram.context import SERVICES_KEY

from .botapi import FakeBotApi, OfflineRequest


@asynccontextmanager
async def offline_bot(service: QAService, **settings: Any) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    """The application built as in production over `service`, with these settings; every call it makes must be
    valid for Telegram."""
    api = FakeBotApi("1:offline")
    with service.database.session() as session:  # a new bot on a shared test database: fresh counts and contexts
        session.execute(delete(FloodState))
        session.execute(delete(ConversationState))
    config = Settings(telegram_bot_token=SecretStr("1:offline"), _env_file=None, **settings)  # type: ignore[call-arg]
    application = build_application(config, service, request=OfflineRequest(api))
    await application.initialize()
    try:
        yield application, api
    finally:
        await application.shutdown()
        application.bot_data[SERVICES_KEY].reader.close()  # run_polling's post_shutdown would
    assert api.errors == []


async def deliver(application: Application, api: FakeBotApi) -> None:  # type: ignore[type-arg]
    """Dispatch every update the test's users queued, in order."""
    for data in api.take_updates():
        await application.process_update(Update.de_json(data, application.bot))
