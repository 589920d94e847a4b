"""The bot as it runs in production (a `python -m bot run` process, polling or webhook), against a Bot API
server on 127.0.0.1 that validates what Telegram validates. Each scenario plays distinct users."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from .botapi import BOT_USERNAME, Call, FakeBotApi, parse_html
from .conftest import CORPUS

TOKEN = "123456:TEST-token-never-printed"
HOSTILE = (
    "---\ntitle: Markup <b>test</b> & co\npublisher: A&B <News>\ndate: 2019-08-09\n---\n"
    "The ombudsman wrote <b>bold</b> claims & a <script>alert('x')</script> tag about the zebra crossing.\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_bot(api: FakeBotApi, tmp: Path, **extra: str) -> subprocess.Popen[bytes]:
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(CORPUS, corpus)
        (corpus / "hostile.txt").write_text(HOSTILE)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "ADMIN_", "MAX_", "FLOOD_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, DATABASE_URL=f"sqlite:///{tmp / 'bot.sqlite3'}",
        CORPUS_DIR=str(corpus), FLOOD_LIMIT="4", FLOOD_WINDOW_SECONDS="60", MAX_QUESTION_CHARS="300",
    )
    env.update(extra)
    log = open(tmp / "bot.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_bot(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def polling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeBotApi, Path]]:
    tmp = tmp_path_factory.mktemp("polling")
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp)
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        yield api, tmp
    finally:
        stop_bot(process)
        api.stop()
    assert api.errors == [], api.errors
    assert TOKEN not in (tmp / "bot.log").read_text()


def reply(api: FakeBotApi, chat_id: int, start: int, timeout: float = 10) -> Call:
    return api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == chat_id
                        and c.error is None, timeout, start=start)


def buttons(call: Call) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def ask(api: FakeBotApi, question: str, user_id: int) -> tuple[dict[str, Any], Call]:
    mark = api.mark()
    message = api.send_text(question, user_id=user_id)
    return message, reply(api, user_id, mark)


def test_start_offers_examples_that_ask_when_pressed(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    _, welcome = ask(api, "/start", 101)
    assert "Koi-Tash" in welcome.params["text"] and "2 news sources" not in welcome.params["text"]
    examples = buttons(welcome)
    assert len(examples) == 4  # three questions and "What happened?" (a brief)
    mark = api.mark()
    first_question, data = next(iter(examples.items()))
    api.press(welcome.result, data, user_id=101)
    answer = reply(api, 101, mark)
    assert "<blockquote>" in answer.params["text"]
    api.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)


def test_question_is_answered_with_quote_source_and_buttons(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    question, answer = ask(api, "How many people were admitted to hospital?", 102)
    html = answer.params["text"]
    assert html.startswith("<blockquote>") and "<b>36</b> people" in html
    assert "Officer killed as Kyrgyz special forces fail to detain ex-president Atambayev" in html
    assert "7 August 2019" in html
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]
    assert set(buttons(answer)) == {"More", "Context", "👍", "👎"}


def test_unanswerable_question_is_declined_without_a_quote(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    _, answer = ask(api, "Who painted the Mona Lisa?", 103)
    assert "couldn't find" in answer.params["text"] and "<blockquote>" not in answer.params["text"]
    assert "Koi-Tash" in answer.params["text"] and not buttons(answer)


def test_more_context_and_votes(polling: tuple[FakeBotApi, Path]) -> None:
    api, tmp = polling
    _, answer = ask(api, "How many hostages were taken?", 104)
    keys = buttons(answer)
    mark = api.mark()
    api.press(answer.result, keys["Context"], user_id=104)
    context = reply(api, 104, mark)
    visible = parse_html(context.params["text"])
    quote = parse_html(answer.params["text"]).splitlines()[0]
    assert f"<b>{quote}</b>" in context.params["text"] or quote in visible
    assert len(visible) > len(quote)

    _, other = ask(api, "How many hostages were taken?", 99)  # a vote counts against the flood limit (4) too
    mark = api.mark()
    api.press(other.result, buttons(other)["More"], user_id=99)
    more = reply(api, 99, mark)
    assert "<blockquote>" in more.params["text"] or "no other passages" in more.params["text"]

    question_id = int(keys["👍"].split(":")[1])
    mark = api.mark()
    api.press(answer.result, keys["👍"], user_id=104)
    thanks = api.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)
    assert "Thanks" in thanks.params["text"]
    edited = api.wait_for(lambda c: c.method == "editMessageReplyMarkup", start=mark)
    assert "👍 ✓" in buttons(edited)
    mark = api.mark()
    api.press(api.messages[(104, answer.result["message_id"])], keys["👎"], user_id=104)
    api.wait_for(lambda c: c.method == "editMessageReplyMarkup", start=mark)
    engine = create_engine(f"sqlite:///{tmp / 'bot.sqlite3'}")
    with engine.connect() as connection:
        votes = connection.execute(text("SELECT user_id, value FROM votes WHERE question_id = :q"),
                                   {"q": question_id}).all()
    engine.dispose()
    assert [tuple(v) for v in votes] == [(104, -1)]


def test_forged_or_stale_button_data_changes_nothing(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    _, answer = ask(api, "How many hostages were taken?", 105)
    mark = api.mark()
    for data in ("v:999999:1", "v:1:7", "ctx:99999999", "garbage", "more:abc"):
        api.press(answer.result, data, user_id=105)
    time.sleep(1.0)
    calls = api.calls[mark:]
    assert sum(c.method == "answerCallbackQuery" for c in calls) == 5
    assert not any(c.method == "editMessageReplyMarkup" for c in calls)


def test_group_mention_and_reply_are_answered_plain_chatter_ignored(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    group = -100200
    mark = api.mark()
    api.send_text("what a day, the hospital was busy", user_id=106, chat_id=group, chat_type="supergroup")
    mention = f"@{BOT_USERNAME}"
    api.send_text(f"{mention} how many people were admitted to hospital?", user_id=106, chat_id=group,
                  chat_type="supergroup", entities=[{"type": "mention", "offset": 0, "length": len(mention)}])
    answer = reply(api, group, mark)
    assert "<b>36</b> people" in answer.params["text"]
    time.sleep(0.5)
    assert len(api.sent_to(group, start=mark)) == 1, "the plain group message must get no reply"
    mark = api.mark()
    api.send_text("who took hostages?", user_id=107, chat_id=group, chat_type="supergroup", reply_to=answer.result)
    assert "hostages" in reply(api, group, mark).params["text"]
    mark = api.mark()
    api.send_text("/ask who is Kursan Asanov?", user_id=107, chat_id=group, chat_type="supergroup")
    assert "Asanov" in reply(api, group, mark).params["text"]


def test_inline_query_offers_quotes_with_sources(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    mark = api.mark()
    api.inline("hostages", user_id=108)
    call = api.wait_for(lambda c: c.method == "answerInlineQuery", start=mark)
    results = call.params["results"]
    assert 1 <= len(results) <= 5
    assert all("<blockquote>" in r["input_message_content"]["message_text"] for r in results)
    assert any("hostages" in r["input_message_content"]["message_text"] for r in results)
    assert all(r["title"] and r["description"] for r in results)


def test_sticker_gets_one_line_about_text(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    mark = api.mark()
    api.send_sticker(user_id=109)
    assert "text questions" in reply(api, 109, mark).params["text"]


def test_greeting_long_question_help_and_sources(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    assert "Hi" in ask(api, "hello!", 110)[1].params["text"]
    assert "too long" in ask(api, "why " * 100, 111)[1].params["text"]
    assert "How to ask" in ask(api, "/help", 112)[1].params["text"]
    sources = ask(api, "/sources", 113)[1].params["text"]
    assert "RT" in sources and "8 August 2019" in sources


def test_flood_from_one_user_is_slowed_politely_others_unaffected(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    mark = api.mark()
    for i in range(7):
        api.send_text(f"how many hostages were taken {i}?", user_id=114)
    api.wait_for(lambda c: len(api.sent_to(114, start=mark)) >= 5, timeout=20, start=mark)
    assert "<b>36</b> people" in ask(api, "How many people were admitted to hospital?", 115)[1].params["text"]
    texts = [c.params["text"] for c in api.sent_to(114, start=mark)]
    assert sum("blockquote" in t for t in texts) == 4
    assert sum("Please wait" in t for t in texts) == 1 and len(texts) == 5  # one notice, not one per message


def test_document_markup_is_quoted_as_text(polling: tuple[FakeBotApi, Path]) -> None:
    api, _ = polling
    _, answer = ask(api, "What did the ombudsman write about the zebra crossing?", 116)
    html = answer.params["text"]
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html and "&amp;" in html
    visible = parse_html(html)
    assert "<script>alert('x')</script>" in visible and "A&B <News>" in visible


def test_webhook_mode_answers_and_rejects_a_wrong_secret(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN).start()
    port = free_port()
    process = start_bot(api, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram-hook",
                        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), WEBHOOK_SECRET="s3cret-Token_1")
    try:
        api.wait_for(lambda c: c.method == "setWebhook", timeout=60)
        assert api.webhook_secret == "s3cret-Token_1"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the listener opens just after setWebhook
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        mark = api.mark()
        api.send_text("How many people were admitted to hospital?", user_id=201)
        assert "<b>36</b> people" in reply(api, 201, mark, timeout=20).params["text"]
        forged = {"update_id": 99999, "message": {"message_id": 1, "date": 0, "chat": {"id": 202, "type": "private"},
                                                   "from": FakeBotApi.user(202), "text": "hostages"}}
        assert api.post_webhook_now(forged, secret="wrong") == 403
        assert api.post_webhook_now(forged, secret=None) == 403
        time.sleep(0.5)
        assert api.sent_to(202) == []
    finally:
        stop_bot(process)
        api.stop()
    assert api.errors == [], api.errors
    assert TOKEN not in (tmp_path / "bot.log").read_text()


def test_a_rejected_token_is_one_line_and_never_printed(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN).start()  # answers 401 to any other token, as Telegram does
    wrong = "987654:WRONG-token-must-not-leak"
    process = start_bot(api, tmp_path, TELEGRAM_BOT_TOKEN=wrong)
    try:
        code = process.wait(60)
    finally:
        stop_bot(process)
        api.stop()
    output = (tmp_path / "bot.log").read_text()
    assert code != 0
    assert wrong not in output and "WRONG" not in output and "Traceback" not in output
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in output
