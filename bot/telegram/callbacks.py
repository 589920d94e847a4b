"""Inline keyboards and their callback data: one encoder and one decoder, within Telegram's 64 bytes.

Button data is written by the bot but comes back from the client, so it is untrusted: `decode` accepts only
the known actions with the right number of fields, each a number in range; anything else is None. Each
action has its own `CallbackQueryHandler` (see `pattern`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat import texts
from bot.chat.help import EXAMPLE_QUESTIONS
from bot.corpus.records import MAX_ROW_ID

Action = Literal["ex", "more", "ctx", "v", "adm:rm", "adm:keep", "adm:url", "adm:post"]
# Fields each action carries. Admin actions share the "adm:" prefix.
FIELDS: dict[Action, int] = {"ex": 1, "more": 1, "ctx": 1, "v": 2, "adm:rm": 1, "adm:keep": 0, "adm:url": 1, "adm:post": 1}
MAX_CALLBACK_BYTES = 64
MAX_ID = MAX_ROW_ID  # what the database's id columns hold; a larger number is forged
_NUMBER = re.compile(r"-?[0-9]{1,10}")


@dataclass(frozen=True)
class Callback:
    action: Action
    ids: tuple[int, ...] = ()

    def encode(self) -> str:
        data = ":".join([self.action, *map(str, self.ids)])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data over 64 bytes")
        return data


def decode(data: object) -> Callback | None:
    """The callback a button carries, or None for anything malformed (a forged or stale press)."""
    if not isinstance(data, str) or len(data) > MAX_CALLBACK_BYTES:
        return None
    action = next((a for a in sorted(FIELDS, key=len, reverse=True) if data == a or data.startswith(a + ":")), None)
    if action is None:
        return None
    parts = data[len(action) + 1:].split(":") if len(data) > len(action) else []
    if len(parts) != FIELDS[action] or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    ids = tuple(int(p) for p in parts)
    if action == "v":
        valid = 0 < ids[0] <= MAX_ID and ids[1] in (1, -1)
    else:
        valid = all(0 <= i <= MAX_ID for i in ids)
    return Callback(action, ids) if valid else None


def pattern(*actions: Action) -> re.Pattern[str]:
    """What a `CallbackQueryHandler` for these actions matches (the decoder then checks every field)."""
    return re.compile("^(?:" + "|".join(re.escape(a) for a in actions) + ")(?::|$)")


def examples_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(q, callback_data=Callback("ex", (i,)).encode())] for i, q in enumerate(EXAMPLE_QUESTIONS)]
    )


def answer_keyboard(question_id: int | None, chunk_id: int, chosen_vote: int = 0) -> InlineKeyboardMarkup:
    """More / Context, then 👍 / 👎 (the chosen one ticked). Without a logged question only Context is offered."""
    first_row = [InlineKeyboardButton(texts.BUTTON_CONTEXT, callback_data=Callback("ctx", (chunk_id,)).encode())]
    if question_id is None:
        return InlineKeyboardMarkup([first_row])
    first_row.insert(0, InlineKeyboardButton(texts.BUTTON_MORE, callback_data=Callback("more", (question_id,)).encode()))
    up = texts.BUTTON_UP + (" ✓" if chosen_vote > 0 else "")
    down = texts.BUTTON_DOWN + (" ✓" if chosen_vote < 0 else "")
    return InlineKeyboardMarkup(
        [
            first_row,
            [
                InlineKeyboardButton(up, callback_data=Callback("v", (question_id, 1)).encode()),
                InlineKeyboardButton(down, callback_data=Callback("v", (question_id, -1)).encode()),
            ],
        ]
    )
