"""Reliability: load, faults on the way to Telegram, a database outage, a crash during /add, two instances.

Every test runs the bot as a process against the validating Bot API server on 127.0.0.1; loads are bounded
in count and time."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .botapi import DROP, STALL, FakeBotApi
from .pg import PostgresServer, postgres_server
from .test_telegram_e2e import TOKEN, reply, start_bot, stop_bot

ADMIN = 900


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[tuple[FakeBotApi, subprocess.Popen[bytes], Path]]:
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp_path, FLOOD_LIMIT="30", FLOOD_WINDOW_SECONDS="60", SEND_RATE_LIMIT="30")
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        yield api, process, tmp_path
    finally:
        stop_bot(process)
        api.stop()
    assert api.errors == [], api.errors
    assert TOKEN not in (tmp_path / "bot.log").read_text()


def test_load_every_question_answered_once_in_order(bot: tuple[FakeBotApi, subprocess.Popen[bytes], Path]) -> None:
    api, process, tmp = bot
    users, per_user = 50, 20
    start_rss = rss_mb(process.pid)
    asked: dict[int, list[int]] = defaultdict(list)
    mark = api.mark()
    started = time.monotonic()
    for round_ in range(per_user):
        for user in range(users):
            message = api.send_text(f"How many people were admitted to hospital? ({round_})", user_id=5000 + user)
            asked[5000 + user].append(message["message_id"])
    for user in asked:
        assert api.wait_replies(user, per_user, timeout=120), f"user {user} got {api.replies(user)} answers"
    elapsed = time.monotonic() - started
    time.sleep(1.0)  # anything extra would show up now
    for user, message_ids in asked.items():
        sent = api.sent_to(user, start=mark)
        assert len(sent) == per_user, f"user {user}: {len(sent)} answers for {per_user} questions"
        assert [c.params["reply_parameters"]["message_id"] for c in sent] == message_ids  # in order, each once
        assert all("<b>36</b> people" in c.params["text"] for c in sent)
    end_rss = rss_mb(process.pid)
    (tmp / "load.txt").write_text(f"{users * per_user} questions in {elapsed:.1f} s; RSS {start_rss:.0f} -> {end_rss:.0f} MB\n")
    assert end_rss < start_rss + 150, f"memory grew from {start_rss:.0f} to {end_rss:.0f} MB"


def test_a_flooding_user_is_slowed_and_the_others_are_not(bot: tuple[FakeBotApi, subprocess.Popen[bytes], Path]) -> None:
    api, _, _ = bot
    mark = api.mark()
    for _ in range(45):
        api.send_text("How many hostages were taken?", user_id=6000)
    for user in range(6001, 6011):
        api.send_text("How many hostages were taken?", user_id=user)
    for user in range(6001, 6011):
        assert api.wait_replies(user, 1, timeout=30)
        assert "blockquote" in api.sent_to(user, start=mark)[0].params["text"]
    assert api.wait_replies(6000, 31, timeout=60)
    time.sleep(1.0)  # anything extra would show up now
    texts = [c.params["text"] for c in api.sent_to(6000, start=mark)]
    assert sum("blockquote" in t for t in texts) == 30 and sum("Please wait" in t for t in texts) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
               "parameters": {"retry_after": 1}}),
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
        (DROP, {}),
        (STALL, {}),
    ],
    ids=["429 retry_after", "500", "dropped connection", "time-out"],
)
def test_a_failed_send_is_retried_and_delivered_once(bot: tuple[FakeBotApi, subprocess.Popen[bytes], Path],
                                                      status: int, body: dict[str, object]) -> None:
    api, _, tmp = bot
    api.fail_next.append(("sendMessage", status, body))
    mark = api.mark()
    started = time.monotonic()
    api.send_text("How many hostages were taken?", user_id=7000)
    assert api.wait_replies(7000, 1, timeout=30)
    time.sleep(1.0)
    assert len(api.sent_to(7000, start=mark)) == 1
    if status == 429:
        assert time.monotonic() - started >= 1.0  # it waited as asked
    assert any(c.error and c.error.startswith("injected") for c in api.calls[mark:])
    assert TOKEN not in (tmp / "bot.log").read_text()


def test_a_database_outage_keeps_answers_coming_and_heals_itself(tmp_path: Path) -> None:
    try:
        context = postgres_server()
        server: PostgresServer = context.__enter__()
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        pytest.skip(f"no PostgreSQL server for this test: {error}")
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp_path, DATABASE_URL=server.new_database(), ADMIN_IDS=str(ADMIN))
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        assert "Documents" in _say(api, "/docs", ADMIN)
        server.stop()
        assert "<b>36</b> people" in _say(api, "How many people were admitted to hospital?", 7100)
        assert "temporarily unavailable" in _say(api, "/docs", ADMIN)
        assert "temporarily unavailable" in _say(api, "/forgetme", 7100)
        server.start()
        assert "Documents" in _say(api, "/docs", ADMIN, timeout=30)
        assert "<b>36</b> people" in _say(api, "How many people were admitted to hospital?", 7100)
    finally:
        stop_bot(process)
        api.stop()
        context.__exit__(None, None, None)
    log = (tmp_path / "bot.log").read_text()
    assert TOKEN not in log


def _say(api: FakeBotApi, text_: str, user_id: int, timeout: float = 20) -> str:
    mark = api.mark()
    api.send_text(text_, user_id=user_id)
    return str(reply(api, user_id, mark, timeout).params["text"])


def test_killed_during_add_leaves_no_partial_document(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN).start()
    sentences = " ".join(f"Report {i} says the herder number {i} moved {i % 7} flocks to the summer pasture."
                         for i in range(40_000))
    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    settings = {"DATABASE_URL": database, "ADMIN_IDS": str(ADMIN), "MAX_UPLOAD_BYTES": str(20_000_000)}
    process = start_bot(api, tmp_path, **settings)
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        mark = api.mark()
        api.send_document("herders.txt", sentences.encode(), user_id=ADMIN)
        api.wait_for(lambda c: c.method == "getFile", start=mark, timeout=20)
        time.sleep(0.3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            stop_bot(process)
    engine = create_engine(database)
    with engine.connect() as connection:
        documents = connection.execute(text("SELECT id FROM documents WHERE title = 'Herders'")).all()
        if documents:  # the transaction had committed: then every sentence is there
            chunks = connection.execute(text("SELECT count(*) FROM chunks WHERE document_id = :d"),
                                        {"d": documents[0][0]}).scalar()
            assert chunks == 40_000
    engine.dispose()
    process = start_bot(api, tmp_path, **settings)
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", start=len(api.calls) - 1, timeout=120)
        answer = _say(api, "How many flocks did herder number 12345 move?", 7200)
        assert ("herder number 12345" in answer) == bool(documents)
    finally:
        stop_bot(process)
        api.stop()


def test_two_instances_on_one_postgres_follow_each_other(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.new_database()
    first_api, second_api = FakeBotApi(TOKEN).start(), FakeBotApi(TOKEN).start()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    common = {"DATABASE_URL": url, "ADMIN_IDS": str(ADMIN), "INDEX_POLL_SECONDS": "1", "FLOOD_LIMIT": "1000"}
    first = start_bot(first_api, tmp_path / "a", **common)
    first_api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
    second = start_bot(second_api, tmp_path / "b", **common)
    try:
        second_api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        question = "How many snow leopards did the rangers count?"
        assert "couldn't find" in _say(second_api, question, 7300)
        mark = first_api.mark()
        first_api.send_document("leopards.txt", b"Rangers counted seventeen snow leopards in the Sarychat reserve.",
                                user_id=ADMIN, caption="title: Leopard census")
        added = reply(first_api, ADMIN, mark, 20).params["text"]
        assert "Added document" in added
        doc_id = int(added.split("#", 1)[1].split("<", 1)[0])
        added_at = time.monotonic()
        while "<b>seventeen</b> snow leopards" not in (answer := _say(second_api, question, 7300)):
            assert time.monotonic() - added_at < 5, f"the other instance still answers: {answer}"
            time.sleep(0.3)
        confirm_mark = first_api.mark()
        first_api.send_text(f"/remove {doc_id}", user_id=ADMIN)
        confirm = reply(first_api, ADMIN, confirm_mark)
        first_api.press(confirm.result, f"adm:rm:{doc_id}", user_id=ADMIN)
        first_api.wait_for(lambda c: c.method == "editMessageText", start=confirm_mark)
        removed_at = time.monotonic()
        while "<b>seventeen</b> snow leopards" in _say(second_api, question, 7300):
            assert time.monotonic() - removed_at < 5, "the other instance still quotes a removed document"
            time.sleep(0.3)
        # a follow-up that reaches the other instance still knows what the chat was about
        assert "Kursan Asanov" in _say(first_api, "Who is Kursan Asanov?", 7301)
        followed = _say(second_api, "What did he say?", 7301)
        assert "About Kursan Asanov" in followed and "decision to pull out" in followed
    finally:
        stop_bot(first)
        stop_bot(second)
        first_api.stop()
        second_api.stop()
    assert first_api.errors == [] and second_api.errors == []
