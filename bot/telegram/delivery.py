"""Getting every reply to Telegram once: Telegram's send limits kept, and a failed send tried again.

PTB hands every Bot API call to the application's rate limiter; this one spaces sends out (PTB's own
AIORateLimiter, which also waits out a 429's retry_after) and retries a send that failed in transit:
a 5xx answer, a time-out or a dropped connection. A request Telegram refused (400, 403) is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, BaseRateLimiter

log = logging.getLogger(__name__)
RETRIED = ("send", "edit", "answer", "delete", "set")


class Delivery(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, *, max_rate: float, attempts: int = 4, first_wait: float = 0.5) -> None:
        self.limiter = AIORateLimiter(overall_max_rate=max_rate, overall_time_period=1, max_retries=3) if max_rate else None
        self.attempts = attempts
        self.first_wait = first_wait

    async def initialize(self) -> None:
        if self.limiter is not None:
            await self.limiter.initialize()

    async def shutdown(self) -> None:
        if self.limiter is not None:
            await self.limiter.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempts = self.attempts if endpoint.startswith(RETRIED) else 1
        wait = self.first_wait
        for attempt in range(1, attempts + 1):
            try:
                if self.limiter is not None:
                    return await self.limiter.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == attempts:
                    raise
                log.warning("%s: Telegram asks to wait %s s", endpoint, error.retry_after)
                await asyncio.sleep(float(error.retry_after) if not hasattr(error.retry_after, "total_seconds")
                                    else error.retry_after.total_seconds())  # type: ignore[union-attr]
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except (NetworkError, TimedOut) as error:
                if attempt == attempts:
                    raise
                log.warning("%s failed in transit (%s); trying again in %.1f s", endpoint, type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")
