"""Where a handler's work runs: never on the event loop, and never where other work could hold it up.

- `answering`: readers' answers, on threads of their own; they reach the database only through its gate, waiting
  at most DATABASE_WAIT_SECONDS, so no parse, admin command or hung database can keep a reader waiting;
- `needing_database`: a call that cannot be done without the database (an admin's command, /forgetme), through
  the gate, waited for at most DATABASE_STATEMENT_TIMEOUT_SECONDS, then "temporarily unavailable";
- `admin_work`: an admin's long work (adding a document, rebuilding the index), on daemon threads of its own;
- `parsing`: untrusted documents, on the document reader's own threads and bounded queue.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from bot.intake.reading import Kind, ReadDocument
from bot.telegram.context import BotContext

T = TypeVar("T")


async def answering(context: BotContext, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn` on the answers' threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.services.answers, functools.partial(fn, *args, **kwargs))


async def needing_database(context: BotContext, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn` on the database's threads; DatabaseUnavailable (an SQLAlchemyError) when it takes too long."""
    database = context.services.service.database
    return await database.gate.acall(fn, *args, wait=database.timeouts.statement, optional=False, **kwargs)


async def parsing(context: BotContext, kind: Kind, read: Callable[..., ReadDocument], *args: Any,
                  **kwargs: Any) -> ReadDocument:
    """`read` (the reader's `upload` or `page`) on the reader's own queue; ReadError("reader_busy") when it is full."""
    reader = context.services.reader
    return await asyncio.wrap_future(reader.submit(kind, functools.partial(read, *args, **kwargs)))


async def admin_work(context: BotContext, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn` on the admins' daemon threads (a hung database holds up that admin alone, never the process's exit)."""
    return await asyncio.wrap_future(context.services.admin_work.submit(functools.partial(fn, *args, **kwargs)))
