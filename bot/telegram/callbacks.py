"""Inline keyboards and their callback data (always within Telegram's 64 bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages

Action = Literal["ex", "more", "ctx", "v"]
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Callback:
    action: Action
    ids: tuple[int, ...]

    def encode(self) -> str:
        data = ":".join([self.action, *map(str, self.ids)])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data over 64 bytes")
        return data


def decode(data: str | None) -> Callback | None:
    """The callback a button carries, or None for anything malformed (a forged or stale press)."""
    if not data:
        return None
    action, *parts = data.split(":")
    if action not in ("ex", "more", "ctx", "v") or len(parts) > 2:
        return None
    try:
        ids = tuple(int(p) for p in parts)
    except ValueError:
        return None
    expected = {"ex": 1, "more": 1, "ctx": 1, "v": 2}[action]
    if len(ids) != expected or (action == "v" and ids[1] not in (1, -1)):
        return None
    return Callback(action, ids)  # type: ignore[arg-type]


def examples_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(q, callback_data=Callback("ex", (i,)).encode())] for i, q in enumerate(messages.EXAMPLE_QUESTIONS)]
    )


def answer_keyboard(question_id: int | None, chunk_id: int, chosen_vote: int = 0) -> InlineKeyboardMarkup:
    """More / Context, then 👍 / 👎 (the chosen one ticked). Without a logged question only Context is offered."""
    first_row = [InlineKeyboardButton(messages.BUTTON_CONTEXT, callback_data=Callback("ctx", (chunk_id,)).encode())]
    if question_id is None:
        return InlineKeyboardMarkup([first_row])
    first_row.insert(0, InlineKeyboardButton(messages.BUTTON_MORE, callback_data=Callback("more", (question_id,)).encode()))
    up = messages.BUTTON_UP + (" ✓" if chosen_vote > 0 else "")
    down = messages.BUTTON_DOWN + (" ✓" if chosen_vote < 0 else "")
    return InlineKeyboardMarkup(
        [
            first_row,
            [
                InlineKeyboardButton(up, callback_data=Callback("v", (question_id, 1)).encode()),
                InlineKeyboardButton(down, callback_data=Callback("v", (question_id, -1)).encode()),
            ],
        ]
    )
