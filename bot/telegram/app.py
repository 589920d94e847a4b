"""The one place that wires the bot: settings in, services built, handlers registered, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.request import BaseRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.flood import FloodGuard
from bot.service import QAService
from bot.storage import Database
from bot.telegram import admin, handlers
from bot.telegram.delivery import Delivery
from bot.telegram.context import SERVICES_KEY, BotContext, BotServices
from bot.telegram.ordering import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
FOLLOWER_KEY = "follower"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

USER_COMMANDS = [
    BotCommand("start", "What I know and example questions"),
    BotCommand("help", "How to ask"),
    BotCommand("sources", "The news sources I quote"),
    BotCommand("ask", "Ask a question (in groups)"),
    BotCommand("forgetme", "Delete my questions and votes"),
]


class ConfigurationError(ValueError):
    pass


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menus (everyone's, and the admins' in their chats); failures are only warnings."""
    try:
        await application.bot.set_my_commands(USER_COMMANDS)
    except TelegramError as error:
        log.warning("could not publish the command menu: %s", error)
    services: BotServices = application.bot_data[SERVICES_KEY]
    await admin.publish_admin_menu(application.bot, [user_id for user_id, _ in services.service.admins.all()])
    if services.settings.index_poll_seconds > 0:
        application.bot_data[FOLLOWER_KEY] = asyncio.create_task(follow_other_instances(services))


async def follow_other_instances(services: BotServices) -> None:
    """Poll the database for documents added or removed through another instance of the bot."""
    while True:
        await asyncio.sleep(services.settings.index_poll_seconds)
        try:
            if await asyncio.to_thread(services.service.refresh):
                log.info("caught up with changes from another instance")
            await asyncio.to_thread(services.service.admins.load)
        except Exception:  # noqa: BLE001 - a database outage must not end the polling
            log.warning("could not check for changes from other instances", exc_info=True)


async def save_index(application: Application) -> None:  # type: ignore[type-arg]
    """Stop following other instances and let an index save in progress finish before the process ends."""
    follower = application.bot_data.pop(FOLLOWER_KEY, None)
    if follower is not None:
        follower.cancel()
    services: BotServices = application.bot_data[SERVICES_KEY]
    services.service.flush()


def build_application(
    settings: Settings, service: QAService, *, request: BaseRequest | None = None
) -> Application:  # type: ignore[type-arg]
    """The bot with every handler registered; `request` replaces the HTTP layer (tests use it to stay offline)."""
    if settings.telegram_bot_token is None:
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
    api = settings.telegram_api_url.rstrip("/")
    builder = Application.builder()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    builder = builder.rate_limiter(Delivery(max_rate=settings.send_rate_limit))
    application = (
        builder
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(ChatOrderedUpdateProcessor(settings.concurrent_updates))
        .context_types(ContextTypes(context=BotContext))
        .post_init(publish_commands)
        .post_shutdown(save_index)
        .build()
    )
    application.bot_data[SERVICES_KEY] = BotServices(
        service=service,
        settings=settings,
        flood=FloodGuard(settings.flood_limit, settings.flood_window_seconds),
    )
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    new_message = filters.UpdateType.MESSAGE
    from_admin = admin.AdminFilter(service.admins)
    # Group -1 is the gate: admin commands and admin buttons from anyone else stop there.
    application.add_handler(TypeHandler(Update, admin.guard), group=-1)
    # Order matters: the /add conversation first (it takes the admin's next message), then commands, then
    # text by chat type, then everything else a user may send.
    application.add_handlers(
        [
            ConversationHandler(
                entry_points=[CommandHandler("add", admin.add_command)],
                states={
                    admin.WAITING_FOR_DOCUMENT: [
                        MessageHandler(filters.Document.ALL, admin.receive_file),
                        MessageHandler(filters.TEXT & ~filters.COMMAND, admin.receive_text),
                    ]
                },
                fallbacks=[CommandHandler("cancel", admin.cancel)],
                conversation_timeout=600,
            ),
            CommandHandler("docs", admin.list_documents),
            CommandHandler("remove", admin.ask_to_remove),
            CommandHandler("restore", admin.restore_document),
            CommandHandler("reindex", admin.reindex),
            CommandHandler("stats", admin.show_stats),
            CommandHandler("unanswered", admin.show_unanswered),
            CommandHandler("export", admin.export_log),
            CommandHandler("threshold", admin.threshold),
            CommandHandler("admins", admin.list_admins),
            CommandHandler("admin_add", admin.add_admin),
            CommandHandler("admin_remove", admin.remove_admin),
            CommandHandler("cancel", admin.cancel),
            CommandHandler("start", handlers.start),
            CommandHandler("help", handlers.show_help),
            CommandHandler("sources", handlers.show_sources),
            CommandHandler("ask", handlers.ask_command),
            CommandHandler("forgetme", handlers.forget_me),
            MessageHandler(private & new_message & filters.Document.ALL & from_admin, admin.receive_file),
            MessageHandler(private & new_message & filters.TEXT & ~filters.COMMAND, handlers.ask_private),
            MessageHandler(groups & new_message & filters.TEXT & ~filters.COMMAND, handlers.ask_in_group),
            MessageHandler(private & new_message & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.refuse_non_text),
            CallbackQueryHandler(admin.press_admin_button, pattern=f"^{admin.BUTTON_PREFIX}"),
            CallbackQueryHandler(handlers.press_button),
            InlineQueryHandler(handlers.answer_inline),
        ]
    )
    application.add_error_handler(handlers.report_error)
    return application


def open_service(settings: Settings) -> QAService:
    service = QAService(
        Database(settings.resolved_database_url),
        threshold=settings.decline_threshold,
        top_k=settings.top_k,
        admin_ids=settings.admin_ids,
        index_dir=settings.index_dir,
    )
    report = service.start(settings.corpus_dir)
    if report is not None:
        for name, reason in report.errors:
            log.warning("corpus file %s skipped: %s", name, reason)
    log.info("index ready: %d sentences from %d documents", len(service.knowledge), len(service.knowledge.documents))
    return service


def run_bot(settings: Settings) -> None:
    """Run until interrupted: webhook mode when WEBHOOK_URL is set, long polling otherwise."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the token in the URL
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if not _SECRET.fullmatch(secret):
            raise ConfigurationError("WEBHOOK_SECRET is required with WEBHOOK_URL (1-256 of A-Z a-z 0-9 _ -)")
    application = build_application(settings, open_service(settings))
    if settings.webhook_url:
        path = urlsplit(settings.webhook_url).path.lstrip("/")
        log.info("starting in webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        log.info("starting in polling mode")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
