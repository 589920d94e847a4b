"""Updates handled concurrently, except that one chat's updates are handled one after another, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Many chats at once (up to `max_concurrent_updates`), each chat's questions answered in the order asked."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, asyncio.Lock] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return update.effective_chat.id
        return update.effective_user.id if update.effective_user is not None else None

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Wait for this chat's earlier updates first, and only then for a free slot, so that one busy chat
        never holds slots that other chats could use."""
        key = self._key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._queues.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._queues.pop(key, None)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
