"""What every handler can reach: the services built once at start, through a typed context."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot

from bot.chat.topics import ContextStore
from bot.config import Settings
from bot.intake.reading import DocumentReader
from bot.service import QAService
from bot.storage.gate import DaemonPool
from bot.telegram.flood import FloodGuard

SERVICES_KEY = "services"


@dataclass
class BotServices:
    service: QAService
    settings: Settings
    flood: FloodGuard
    contexts: ContextStore  # what each conversation (chat, sender) was about, for follow-up questions
    reader: DocumentReader  # untrusted files and pages, read in worker processes the bot can kill
    answers: Executor = field(default_factory=lambda: ThreadPoolExecutor(thread_name_prefix="answers"))
    admin_work: DaemonPool = field(default_factory=lambda: DaemonPool(2, name="admin-work"))


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):  # type: ignore[type-arg]
    """CallbackContext with the bot's services as a typed attribute (PTB's contexttypesbot pattern)."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> BotServices:
        services: BotServices = self.bot_data[SERVICES_KEY]
        return services
