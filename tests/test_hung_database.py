"""A database that hangs rather than fails (issue 30, finding 2): a PostgreSQL server frozen (every process of it
stopped with SIGSTOP: it neither answers nor refuses) and a SQLite file write-locked by another process. The bot
runs as a process against the Bot API server on 127.0.0.1; other chats are answered within 2 s throughout, the
questions asked meanwhile are logged once the database is back, and SIGTERM stops the bot within 10 s.

The review froze PostgreSQL for 45 s; here the freeze and the lock last 15 s with a statement timeout of 1 s, which
asks the same of the bot (no reply may wait on the database) in a third of the time."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .botapi import FakeBotApi
from .pg import PostgresServer, postgres_server
from .test_telegram_e2e import TOKEN, reply, start_bot, stop_bot

FREEZE_SECONDS = 15
QUESTION = "Who is Kursan Asanov?"
SETTINGS = {"DATABASE_STATEMENT_TIMEOUT_SECONDS": "1", "DATABASE_CONNECT_TIMEOUT_SECONDS": "1",
            "SQLITE_BUSY_TIMEOUT_SECONDS": "5", "FLOOD_LIMIT": "100", "INDEX_POLL_SECONDS": "1"}


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    try:
        context = postgres_server()
        started: PostgresServer = context.__enter__()
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        pytest.skip(f"no PostgreSQL server for this test: {error}")
    try:
        yield started
    finally:
        try:
            started.thaw()
        except (OSError, ValueError):
            pass
        context.__exit__(None, None, None)


def ask_around(api: FakeBotApi, seconds: float, first_user: int) -> list[float]:
    """For `seconds`, a new chat asks a question every 0.5 s and the chat before asks a follow-up (its topic is in
    the database, or in memory while the database is out); how long each waited for its answer."""
    waits = []
    user = first_user
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        turns = [(user, QUESTION, "Kursan Asanov")] + ([(user - 1, "What did he say?", "decision to pull out")]
                                                       if user > first_user else [])
        for chat, question, expected in turns:
            mark = api.mark()
            asked = time.monotonic()
            api.send_text(question, user_id=chat)
            answer = reply(api, chat, mark, timeout=10).params["text"]
            waits.append(time.monotonic() - asked)
            assert expected in answer, answer
        user += 1
        time.sleep(0.5)
    return waits


def logged_questions(url: str, users: range) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM questions WHERE user_id >= :a AND user_id < :b"),
                                          {"a": users.start, "b": users.stop}).scalar() or 0)
    finally:
        engine.dispose()


def test_a_frozen_postgresql_holds_up_no_chat_and_no_stop(server: PostgresServer, tmp_path: Path) -> None:
    url = server.new_database()
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp_path, DATABASE_URL=url, **SETTINGS)
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        assert max(ask_around(api, 2, 9000)) < 2
        server.freeze()
        waits = ask_around(api, FREEZE_SECONDS, 9100)
        server.thaw()
        assert len(waits) >= 20 and max(waits) < 2, [round(w, 2) for w in waits]
        deadline = time.monotonic() + 20  # the questions asked meanwhile are logged once the server is back
        while logged_questions(url, range(9100, 9200)) < len(waits) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert logged_questions(url, range(9100, 9200)) == len(waits)
        server.freeze()
        mark = api.mark()
        api.send_text(QUESTION, user_id=9300)
        reply(api, 9300, mark, timeout=5)
        api.send_text("/docs", user_id=9301)  # a command that waits on the database
        time.sleep(0.5)
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        stopped = time.monotonic() - stopping
    finally:
        server.thaw()
        stop_bot(process)
        api.stop()
    print(f"\nPostgreSQL frozen {FREEZE_SECONDS} s: {len(waits)} questions, slowest answer {max(waits):.2f} s; "
          f"SIGTERM during a freeze: stopped in {stopped:.1f} s")
    assert api.errors == []


def test_a_write_locked_sqlite_holds_up_no_chat(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp_path, DATABASE_URL=f"sqlite:///{database}", **SETTINGS)
    locker = None
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        assert max(ask_around(api, 2, 9400)) < 2
        locker = subprocess.Popen(
            [sys.executable, "-c", "import sqlite3, sys, time\n"
             f"c = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
             "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(float(sys.argv[1]))",
             str(FREEZE_SECONDS)], stdout=subprocess.PIPE, text=True)
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        waits = ask_around(api, FREEZE_SECONDS - 1, 9500)
        locker.wait(10)
        assert len(waits) >= 20 and max(waits) < 2, [round(w, 2) for w in waits]
        deadline = time.monotonic() + 20
        url = f"sqlite:///{database}"
        while logged_questions(url, range(9500, 9600)) < len(waits) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert logged_questions(url, range(9500, 9600)) == len(waits)
    finally:
        if locker is not None and locker.poll() is None:
            locker.kill()
        stop_bot(process)
        api.stop()
    print(f"\nSQLite write-locked {FREEZE_SECONDS} s: {len(waits)} questions, slowest answer {max(waits):.2f} s")
    assert api.errors == []
