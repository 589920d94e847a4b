"""The one place that wires the bot: settings in, services built, handlers registered, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import threading
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.chat.topics import StoredContexts
from bot.config import Settings
from bot.intake.reading import DocumentReader
from bot.service import QAService
from bot.storage import Database
from bot.storage.chat_state import ConversationStore, FloodStore
from bot.telegram import admin, callbacks, handlers
from bot.telegram.context import SERVICES_KEY, BotContext, BotServices
from bot.telegram.delivery import Delivery
from bot.telegram.flood import FloodGuard
from bot.telegram.ordering import ChatOrderedUpdateProcessor
from bot.telegram.throttle import flood_limited

log = logging.getLogger(__name__)
FOLLOWER_KEY = "follower"
STOP_DEADLINE_KEY = "stop_deadline"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

USER_COMMANDS = [
    BotCommand("start", "What I know and example questions"),
    BotCommand("help", "How to ask"),
    BotCommand("brief", "What happened, in a few quotes"),
    BotCommand("timeline", "The events in order"),
    BotCommand("sources", "The news sources I quote"),
    BotCommand("ask", "Ask a question (in groups)"),
    BotCommand("forgetme", "Delete my questions and votes"),
]


class ConfigurationError(ValueError):
    pass


class _DropRejectedToken(logging.Filter):
    """PTB logs a rejected token with a traceback whose message quotes the token; `run_bot` says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
STOP_SECONDS = 8.0  # after a stop signal the process is gone within this long, whatever it is waiting for


def stop_now(application: Application) -> None:  # type: ignore[type-arg]
    """On SIGTERM or Ctrl-C: kill the document readers first (a document being read ends at once, with "shutting
    down"), then stop as PTB does. PTB waits for running handlers before it stops; a handler waiting on a stuck
    parse would hold the whole bot up to the parse's time limit. Readers' handlers wait for the database at most
    DATABASE_WAIT_SECONDS; an admin's command may wait longer on a hung database, so the process ends itself
    STOP_SECONDS after the signal whatever it still waits for (saved files are written whole: nothing is torn)."""
    services: BotServices = application.bot_data[SERVICES_KEY]
    services.reader.close()
    if STOP_DEADLINE_KEY not in application.bot_data:
        deadline = application.bot_data[STOP_DEADLINE_KEY] = threading.Timer(STOP_SECONDS, _exit_now)
        deadline.daemon = True
        deadline.start()
    application.stop_running()


def _exit_now() -> None:
    log.warning("still stopping %.0f s after the stop signal (waiting on: %s); exiting now", STOP_SECONDS,
                ", ".join(sorted(t.name for t in threading.enumerate() if t is not threading.current_thread()
                                 and t.is_alive())) or "nothing")
    logging.shutdown()
    os._exit(0)


async def start_up(application: Application) -> None:  # type: ignore[type-arg]
    """At start (run_polling and run_webhook): take over the stop signals, start the document readers (they warm
    up meanwhile), then publish the menus and follow other instances."""
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop_now, application)
    application.bot_data[SERVICES_KEY].reader.start()
    await publish_menus_and_follow_others(application)


async def publish_menus_and_follow_others(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menus (everyone's, and the admins' in their chats; failures are only warnings), then
    start following changes made through other instances."""
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
        try:  # on daemon threads: a hung database holds up this loop alone, never the process's exit
            if await asyncio.wrap_future(services.admin_work.submit(services.service.refresh)):
                log.info("caught up with changes from another instance")
            await asyncio.wrap_future(services.admin_work.submit(services.service.admins.load))
        except Exception:  # noqa: BLE001 - a database outage must not end the polling
            log.warning("could not check for changes from other instances", exc_info=True)


async def stop_following_and_finish_saving(application: Application) -> None:  # type: ignore[type-arg]
    """Stop the document readers and following other instances, and let an index save in progress finish
    before the process ends."""
    follower = application.bot_data.pop(FOLLOWER_KEY, None)
    if follower is not None:
        follower.cancel()
    services: BotServices = application.bot_data[SERVICES_KEY]
    services.reader.close()
    services.answers.shutdown(wait=False)
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
        .post_init(start_up)
        .post_shutdown(stop_following_and_finish_saving)
        .build()
    )
    application.bot_data[SERVICES_KEY] = BotServices(
        service=service,
        settings=settings,
        # Shared by every instance on the database: a chat's next message may reach another instance.
        flood=FloodGuard(settings.flood_limit, settings.flood_window_seconds, store=FloodStore(service.database),
                         gate=service.database.gate, wait=service.database.timeouts.wait,
                         group_limit=settings.group_flood_limit, group_window=settings.group_flood_window_seconds),
        contexts=StoredContexts(ConversationStore(service.database), settings.context_seconds),
        reader=DocumentReader(settings.read_limits, workers=settings.parse_workers),
    )
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    # A command in an edited message is not a new command, and channel posts are nobody's: neither is acted on.
    new_message = filters.UpdateType.MESSAGE
    # Order matters: admin handlers first (the /add conversation takes the admin's next message; each carries the
    # admin filter, and what they turn away is refused after them), then user commands, then text by chat type,
    # then buttons (one handler per action), then inline queries.
    application.add_handlers(
        [
            *admin.handlers(service.admins, add_timeout=settings.add_timeout_seconds),
            # Every command anyone may send counts against the flood limit (/ask and the admin refusals inside).
            CommandHandler("start", flood_limited(handlers.start), filters=new_message),
            CommandHandler("help", flood_limited(handlers.show_help), filters=new_message),
            CommandHandler("sources", flood_limited(handlers.show_sources), filters=new_message),
            CommandHandler("ask", handlers.ask_command, filters=new_message),
            CommandHandler("brief", handlers.brief_command, filters=new_message),
            CommandHandler("timeline", handlers.timeline_command, filters=new_message),
            CommandHandler("forgetme", flood_limited(handlers.forget_me), filters=new_message),
            MessageHandler(private & new_message & filters.TEXT & ~filters.COMMAND, handlers.ask_private),
            MessageHandler(groups & new_message & filters.TEXT & ~filters.COMMAND, handlers.ask_in_group),
            MessageHandler(private & new_message & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.refuse_non_text),
            CallbackQueryHandler(handlers.press_example, pattern=callbacks.pattern("ex")),
            CallbackQueryHandler(handlers.press_more, pattern=callbacks.pattern("more")),
            CallbackQueryHandler(handlers.press_context, pattern=callbacks.pattern("ctx")),
            CallbackQueryHandler(handlers.press_vote, pattern=callbacks.pattern("v")),
            CallbackQueryHandler(handlers.press_unknown),
            InlineQueryHandler(handlers.answer_inline),
        ]
    )
    application.add_error_handler(handlers.report_error)
    return application


def open_service(settings: Settings) -> QAService:
    service = QAService(
        Database(settings.resolved_database_url, timeouts=settings.database_timeouts),
        threshold=settings.decline_threshold,
        top_k=settings.top_k,
        admin_ids=settings.admin_ids,
        index_dir=settings.index_dir,
        meaning=settings.meaning,
        question_backlog=settings.question_backlog,
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
    logging.getLogger("telegram.ext").addFilter(_DropRejectedToken())
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if not _SECRET.fullmatch(secret):
            raise ConfigurationError("WEBHOOK_SECRET is required with WEBHOOK_URL (1-256 of A-Z a-z 0-9 _ -)")
    application = build_application(settings, open_service(settings))
    try:
        _run(application, settings, secret if settings.webhook_url else "")
    except InvalidToken:  # PTB's message quotes the token: say it in our words, and nothing from the exception
        raise ConfigurationError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather") from None


def _run(application: Application, settings: Settings, secret: str) -> None:  # type: ignore[type-arg]
    if settings.webhook_url:
        path = urlsplit(settings.webhook_url).path.lstrip("/")
        log.info("starting in webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
        limit_webhook_bodies(settings.webhook_max_body_bytes)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            stop_signals=None,  # taken over in post_init: see stop_now
        )
    else:
        log.info("starting in polling mode")
        application.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=None)


def limit_webhook_bodies(max_bytes: int) -> None:
    """PTB's webhook server (tornado) reads up to 100 MB of a request before it checks the secret; this sets
    tornado's documented default for every HTTPServer made afterwards (HTTPServer is Configurable), so that a
    larger body is refused as soon as its Content-Length (or its stream) passes the limit."""
    from tornado.httpserver import HTTPServer

    HTTPServer.configure(None, max_body_size=max_bytes)
