"""A Bot API server for tests: it speaks the Telegram Bot API over real HTTP on 127.0.0.1.

It validates what Telegram validates (known methods and their required fields,
HTML parse mode tags and escaping, 4,096 characters after entity parsing,
64-byte callback data, inline results) and answers 400 on a violation, as
Telegram does, recording it in `errors` so a test can fail on it. Tests play the
users: they queue updates (served by getUpdates, or POSTed to a webhook with its
secret token) and wait for the bot's calls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import tornado.httpclient
import tornado.web
from telegram.request import BaseRequest, RequestData
from tornado.httputil import parse_body_arguments

BOT_ID = 777000111
BOT_USERNAME = "koitash_test_bot"
ANONYMOUS_ADMIN_BOT = 1087968824  # the user id Telegram gives every anonymous group admin's message
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
STRING_FIELDS = {"text", "caption", "parse_mode", "callback_query_id", "inline_query_id", "url", "secret_token",
                 "next_offset", "query", "data", "message_text", "title", "description", "switch_pm_text"}


DROP, STALL = 0, -1  # injected failures: close the connection unanswered; answer only after the client gave up
STALL_SECONDS = 6.0


class BadRequest(Exception):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of a Telegram HTML message; raises BadRequest as Telegram would."""
    visible: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            match = _TAG.match(text, i)
            if not match:
                raise BadRequest(f"can't parse entities: unexpected '<' at byte offset {i}")
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise BadRequest(f"can't parse entities: unsupported start tag \"{name}\" at byte offset {i}")
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(f"can't parse entities: unmatched end tag at byte offset {i}, expected \"</{stack[-1] if stack else ''}>\", found \"</{name}>\"")
                stack.pop()
            else:
                attrs = {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
                         for m in _ATTR.finditer(match.group(3))}
                if name == "a" and not attrs.get("href"):
                    raise BadRequest("can't parse entities: a tag without href")
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise BadRequest("can't parse entities: span without class tg-spoiler")
                if name == "blockquote" and "blockquote" in stack:
                    raise BadRequest("can't parse entities: nested blockquote")
                for value in attrs.values():
                    if "<" in value or re.search(r"&(?!(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)", value):
                        raise BadRequest("can't parse entities: bad attribute value")
                stack.append(name)
            i = match.end()
        elif ch == "&":
            match = _ENTITY.match(text, i)
            if not match:
                raise BadRequest(f"can't parse entities: unsupported entity at byte offset {i}")
            visible.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(match.group(1), "?"))
            i = match.end()
        elif ch == ">":
            raise BadRequest(f"can't parse entities: unexpected '>' at byte offset {i}")
        else:
            visible.append(ch)
            i += 1
    if stack:
        raise BadRequest(f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(visible)


def check_text(text: Any, parse_mode: Any, *, limit: int = 4096, field_name: str = "text") -> str:
    if not isinstance(text, str):
        raise BadRequest(f"{field_name} must be a string")
    visible = parse_html(text) if parse_mode == "HTML" else text
    if parse_mode not in (None, "HTML"):
        raise BadRequest(f"unsupported parse_mode {parse_mode!r} in this server")
    if not visible.strip():
        raise BadRequest(f"{field_name} must be non-empty")
    if utf16_len(visible) > limit:
        raise BadRequest(f"{field_name} is too long")
    return visible


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        raise BadRequest("reply_markup: only inline keyboards are used by this bot")
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise BadRequest("inline keyboard button text is empty")
            data = button.get("callback_data")
            options = [k for k in ("callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat")
                       if k in button]
            if len(options) != 1:
                raise BadRequest("inline keyboard button must have exactly one action")
            if data is not None and not (1 <= len(data.encode()) <= 64):
                raise BadRequest("BUTTON_DATA_INVALID")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    """Start with `start()`, stop with `stop()`; `url` is what TELEGRAM_API_URL should be."""

    def __init__(self, token: str, *, host: str = "127.0.0.1") -> None:
        self.token = token
        self.host = host
        self.port = 0
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_responses: list[int] = []
        self.fail_next: list[tuple[str, int, dict[str, Any]]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.uploads: list[tuple[str, str, bytes]] = []  # (method, file name, bytes) the bot sent
        self.pending_queries: set[str] = set()
        self._cond = threading.Condition()
        self._sent: dict[Any, int] = {}
        self._reply_waiters: dict[Any, asyncio.Future[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeBotApi:
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Bot API did not start")
        return self

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        self._stop = asyncio.Event()
        app = tornado.web.Application([
            (r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"api": self}),
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self}),
        ])
        server = app.listen(0, address=self.host)
        self.port = next(iter(server._sockets.values())).getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.stop()
        await server.close_all_connections()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    # --- the user side ----------------------------------------------------------------------------------------

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = f"Test group {chat_id}"
        else:
            chat["first_name"] = "Tester"
        self._chats[chat_id] = chat
        return chat

    @staticmethod
    def user(user_id: int, first_name: str = "Tester") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "username": f"user{user_id}"}

    def send_text(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user sends a text message; with `sender_chat` it is posted anonymously on behalf of that chat (an
        anonymous group admin), and Telegram then names its GroupAnonymousBot as the sender."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id if chat_id is not None else user_id, chat_type),
            "from": self.user(user_id),
            "text": text,
        }
        command = _COMMAND.match(text)
        if command:  # as Telegram marks it: "/admin_add, 5" and "/admin_add\u200b 5" are the command /admin_add
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}, *(entities or [])]
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
            message["from"] = self.user(ANONYMOUS_ADMIN_BOT, "Group")
            message["from"]["is_bot"] = True
        self.push_update({"message": message})
        return message

    def forward_from_channel(self, *, user_id: int, channel: dict[str, Any], post_id: int, date: int,
                             text: str | None = None, caption: str | None = None,
                             document: tuple[str, bytes] | None = None) -> dict[str, Any]:
        """A user forwards a channel's post to the bot (Telegram sets `forward_origin` of type channel)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(user_id, "private"),
            "from": self.user(user_id),
            "forward_origin": {"type": "channel", "chat": {"type": "channel", **channel}, "message_id": post_id,
                               "date": date},
        }
        if text is not None:
            message["text"] = text
        if caption is not None:
            message["caption"] = caption
        if document is not None:
            file_id = f"doc{next(self._query_ids)}"
            self.files[file_id] = document[1]
            message["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": document[0],
                                   "file_size": len(document[1])}
        if caption is not None and document is None:
            message["photo"] = [{"file_id": "ph1", "file_unique_id": "uph1", "width": 90, "height": 90}]
        self.push_update({"message": message})
        return message

    def edit_text(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The user edits one of their messages into `text` (an `edited_message` update)."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        command = _COMMAND.match(text)
        if command:
            edited["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}]
        self.push_update({"edited_message": edited})
        return edited

    def post_in_channel(self, text: str, *, chat_id: int, edited: bool = False) -> dict[str, Any]:
        """A post in a channel the bot is in (no sender user, as Telegram sends them)."""
        post: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, "channel"),
            "sender_chat": {"id": chat_id, "type": "channel", "title": f"Channel {chat_id}"},
            "text": text,
        }
        command = _COMMAND.match(text)
        if command:
            post["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}]
        if edited:
            post["edit_date"] = int(time.time())
        self.push_update({"edited_channel_post" if edited else "channel_post": post})
        return post

    def send_sticker(self, *, user_id: int) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user_id, "private"),
            "from": self.user(user_id),
            "sticker": {"file_id": "stk1", "file_unique_id": "u1", "type": "regular", "width": 512,
                        "height": 512, "is_animated": False, "is_video": False},
        }
        self.push_update({"message": message})
        return message

    def send_document(self, filename: str, data: bytes, *, user_id: int, caption: str | None = None,
                      declared_size: int | None = None) -> dict[str, Any]:
        """A user sends a file; `declared_size` lets a test claim a size the bytes do not have."""
        file_id = f"doc{next(self._query_ids)}"
        self.files[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user_id, "private"),
            "from": self.user(user_id),
            "document": {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                         "mime_type": "application/octet-stream",
                         "file_size": len(data) if declared_size is None else declared_size},
        }
        if caption is not None:
            message["caption"] = caption
        self.push_update({"message": message})
        return message

    def press(self, message: dict[str, Any], data: str, *, user_id: int) -> str:
        query_id = f"cq{next(self._query_ids)}"
        self.pending_queries.add(query_id)
        self.push_update({"callback_query": {"id": query_id, "from": self.user(user_id), "message": message,
                                             "chat_instance": f"ci{message['chat']['id']}", "data": data}})
        return query_id

    def inline(self, query: str, *, user_id: int) -> str:
        query_id = f"iq{next(self._query_ids)}"
        self.pending_queries.add(query_id)
        self.push_update({"inline_query": {"id": query_id, "from": self.user(user_id), "query": query, "offset": ""}})
        return query_id

    def push_update(self, update: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **update}
        if self._loop is None:  # not serving: in-process tests take the updates themselves
            self._updates.append(update)
            return
        self._loop.call_soon_threadsafe(self._deliver, update)

    def take_updates(self) -> list[dict[str, Any]]:
        updates, self._updates = self._updates, []
        return updates

    def _deliver(self, update: dict[str, Any]) -> None:
        if self.webhook_url:
            asyncio.ensure_future(self._post_webhook(update))
            return
        self._updates.append(update)
        assert self._new_update is not None
        self._new_update.set()

    async def _post_webhook(self, update: dict[str, Any], secret: str | None = None) -> int:
        client = tornado.httpclient.AsyncHTTPClient()
        headers = {"Content-Type": "application/json"}
        token = self.webhook_secret if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        response = await client.fetch(self.webhook_url or "", method="POST", body=json.dumps(update),
                                      headers=headers, raise_error=False)
        self.webhook_responses.append(response.code)
        return response.code

    def post_webhook_now(self, update: dict[str, Any], secret: str | None) -> int:
        """POST one update to the webhook with the given secret header (None: none at all) and return the status."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._post_webhook(update, secret or ""), self._loop)
        return future.result(10)

    # --- observation ------------------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0, *, start: int = 0) -> Call:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[start:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.method, str(c.params.get("text", ""))[:60]) for c in self.calls[start:]]
                    raise AssertionError(f"no matching call within {timeout}s; calls since start: {seen}")
                self._cond.wait(remaining)

    def sent_to(self, chat_id: int, *, start: int = 0, method: str = "sendMessage") -> list[Call]:
        with self._cond:
            return [c for c in self.calls[start:] if c.method == method and c.params.get("chat_id") == chat_id
                    and c.error is None]

    def mark(self) -> int:
        with self._cond:
            return len(self.calls)

    def run(self, coroutine: Any, timeout: float | None = None) -> Any:
        """Run a coroutine on the server's own event loop (load tests play their users there)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def ask(self, text: str, *, user_id: int, timeout: float = 10.0) -> bool:
        """On the server's loop: a user sends a message and waits for the bot's next message to them."""
        assert self._loop is not None
        waiter = self._loop.create_future()
        self._reply_waiters[user_id] = waiter
        self.send_text(text, user_id=user_id)
        try:
            await asyncio.wait_for(waiter, timeout)
            return True
        except TimeoutError:
            return False

    def replies(self, chat_id: int) -> int:
        """How many messages the bot has sent to this chat so far."""
        with self._cond:
            return self._sent.get(chat_id, 0)

    def wait_replies(self, chat_id: int, count: int, timeout: float = 10.0) -> bool:
        """Wait until the bot has sent `count` messages to the chat in all; False on time-out."""
        with self._cond:
            return self._cond.wait_for(lambda: self._sent.get(chat_id, 0) >= count, timeout)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            if call.method == "sendMessage" and call.error is None:
                chat = call.params.get("chat_id")
                self._sent[chat] = self._sent.get(chat, 0) + 1
                waiter = self._reply_waiters.pop(chat, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
            if call.error and not call.error.startswith("injected"):
                self.errors.append(f"{call.method}: {call.error}")
            self._cond.notify_all()

    # --- the bot side -----------------------------------------------------------------------------------------

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for i, (name, status, body) in enumerate(self.fail_next):
            if name == method:
                del self.fail_next[i]
                self._record(Call(method, params, error=f"injected {status}"))
                return status, body
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self._record(Call(method, params, error="method not found"))
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = await handler(params)
        except BadRequest as error:
            self._record(Call(method, params, error=str(error)))
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
        if method != "getUpdates" or result:
            self._record(Call(method, params, result=result))
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise BadRequest(f"{name} is required")

    def _bot_message(self, params: dict[str, Any], visible: str) -> dict[str, Any]:
        if str(params.get("chat_id", "")).lstrip("-").isdigit():
            params["chat_id"] = int(params["chat_id"])
        chat_id = int(params["chat_id"])
        if chat_id not in self._chats:
            raise BadRequest("chat not found")
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chats[chat_id],
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Koi-Tash bot", "username": BOT_USERNAME},
                   "text": visible}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Koi-Tash bot", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise BadRequest("Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            assert self._new_update is not None
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(timeout, 1.0))
            except TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self._require(params, "url")
        self.webhook_url, self.webhook_secret = params["url"], params.get("secret_token")
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        self._require(params, "commands")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") not in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                                     "chat", "chat_administrators", "chat_member"):
            raise BadRequest("invalid scope")
        if scope["type"] == "chat" and not isinstance(scope.get("chat_id"), int):
            raise BadRequest("scope chat_id required")
        for command in params["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise BadRequest("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "file_id")
        data = self.files.get(params["file_id"])
        if data is None:
            raise BadRequest("invalid file_id")
        return {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"], "file_size": len(data),
                "file_path": f"documents/{params['file_id']}"}

    def _upload(self, method: str, params: dict[str, Any], field_name: str) -> dict[str, Any]:
        self._require(params, "chat_id", field_name)
        upload = params[field_name]
        if not isinstance(upload, dict) or "body" not in upload:
            raise BadRequest(f"{field_name} must be uploaded as a file")
        if params.get("caption") is not None:
            check_text(params["caption"], params.get("parse_mode"), limit=1024, field_name="caption")
        self.uploads.append((method, upload["filename"], upload["body"]))
        return upload

    async def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload("sendPhoto", params, "photo")
        if not upload["body"].startswith(b"\x89PNG") and not upload["body"].startswith(b"\xff\xd8"):
            raise BadRequest("IMAGE_PROCESS_FAILED")
        message = self._bot_message(params, params.get("caption") or "")
        message["photo"] = [{"file_id": "p1", "file_unique_id": "up1", "width": 800, "height": 350}]
        return message

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload("sendDocument", params, "document")
        message = self._bot_message(params, params.get("caption") or "")
        message["document"] = {"file_id": "d1", "file_unique_id": "ud1", "file_name": upload["filename"]}
        return message

    async def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._require(params, "chat_id", "action")
        return True

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "chat_id", "text")
        visible = check_text(params["text"], params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        reply = params.get("reply_parameters")
        if reply is not None and (int(params["chat_id"]), int(reply["message_id"])) not in self.messages \
                and not reply.get("allow_sending_without_reply"):
            pass  # user messages are not stored here; Telegram would accept a reply to them
        return self._bot_message(params, visible)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "chat_id", "message_id")
        check_markup(params.get("reply_markup"))
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BadRequest("message to edit not found")
        if self.messages[key].get("reply_markup") == params.get("reply_markup"):
            raise BadRequest("message is not modified")
        self.messages[key]["reply_markup"] = params.get("reply_markup")
        return self.messages[key]

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "chat_id", "message_id", "text")
        visible = check_text(params["text"], params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BadRequest("message to edit not found")
        self.messages[key].update(text=visible, reply_markup=params.get("reply_markup"))
        return self.messages[key]

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self._require(params, "callback_query_id")
        if params["callback_query_id"] not in self.pending_queries:
            raise BadRequest("query is too old and response timeout expired or query ID is invalid")
        self.pending_queries.discard(params["callback_query_id"])
        if len(params.get("text") or "") > 200:
            raise BadRequest("callback answer text too long")
        return True

    async def _m_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        self._require(params, "inline_query_id")
        if params["inline_query_id"] not in self.pending_queries:
            raise BadRequest("query is too old and response timeout expired or query ID is invalid")
        self.pending_queries.discard(params["inline_query_id"])
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise BadRequest("RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise BadRequest("RESULT_ID_INVALID")
        for result in results:
            if result.get("type") != "article" or not result.get("title"):
                raise BadRequest("RESULT_TYPE_INVALID")
            content = result.get("input_message_content") or {}
            check_text(content.get("message_text"), content.get("parse_mode"), field_name="message_text")
            check_markup(result.get("reply_markup"))
        return True


class OfflineRequest(BaseRequest):
    """PTB's HTTP layer replaced by direct calls into a FakeBotApi: the same validation, no network at all."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download (getFile's path), served from the files users sent
            data = self.api.files.get(url.rsplit("/", 1)[1])
            return (200, data) if data is not None else (404, b"")
        params = dict(request_data.parameters) if request_data is not None else {}
        if request_data is not None and request_data.contains_files:  # as the HTTP server's multipart parsing does
            for name, upload in request_data.multipart_data.items():
                filename, body = upload[0], upload[1]
                params[name] = {"filename": filename, "body": body if isinstance(body, bytes) else body.read()}
        status, body = await self.api.handle(url.rsplit("/", 1)[1], params)
        return status, json.dumps(body).encode()


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        data = self.api.files.get(path.rsplit("/", 1)[-1])
        if token != self.api.token or data is None:
            self.set_status(404)
            return
        self.finish(data)


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def post(self, token: str, method: str) -> None:
        await self._dispatch(token, method)

    async def get(self, token: str, method: str) -> None:
        await self._dispatch(token, method)

    async def _dispatch(self, token: str, method: str) -> None:
        if token != self.api.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = self._params()
        status, body = await self.api.handle(method, params)
        if status == DROP:
            self.request.connection.close()
            return
        if status == STALL:
            await asyncio.sleep(STALL_SECONDS)
            status, body = 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def _params(self) -> dict[str, Any]:
        content_type = self.request.headers.get("Content-Type", "")
        raw: dict[str, Any] = {}
        if content_type.startswith("application/json") and self.request.body:
            return json.loads(self.request.body)
        if content_type.startswith("application/x-www-form-urlencoded"):
            raw = dict(parse_qsl(self.request.body.decode(), keep_blank_values=True))
        elif content_type.startswith("multipart/form-data"):
            arguments: dict[str, list[bytes]] = {}
            files: dict[str, Any] = {}
            parse_body_arguments(content_type, self.request.body, arguments, files)
            raw = {k: v[0].decode() for k, v in arguments.items()}
            raw.update({k: {"filename": v[0].filename, "body": v[0].body} for k, v in files.items()})
        raw.update({k: v[0].decode() for k, v in self.request.query_arguments.items()})
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in STRING_FIELDS or not isinstance(value, str):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params
