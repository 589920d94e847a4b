"""Administration end to end, on SQLite and on a real PostgreSQL server: the bot process against the
validating Bot API server, admins and non-admins played by the test."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.answers import model as answer_model

from .botapi import Call, FakeBotApi
from .conftest import CORPUS
from .pg import PostgresServer
from .test_telegram_e2e import TOKEN, buttons, reply, start_bot, stop_bot

ADMIN, OTHER_ADMIN, USER = 900, 901, 950
LIMIT = 20_000
ARTICLE = (
    "The Bishkek city court extended the pre-trial detention of the former president by two months on 26 August. "
    "His lawyer, Zamir Zhooshev, said the defence would appeal the ruling to a higher court.\n"
)


class Harness:
    def __init__(self, api: FakeBotApi, url: str) -> None:
        self.api = api
        self.engine = create_engine(url)

    def say(self, text_: str, user_id: int, timeout: float = 15) -> Call:
        mark = self.api.mark()
        self.api.send_text(text_, user_id=user_id)
        return reply(self.api, user_id, mark, timeout)

    def upload(self, name: str, data: bytes, user_id: int = ADMIN, **kw: Any) -> Call:
        mark = self.api.mark()
        self.api.send_document(name, data, user_id=user_id, **kw)
        return reply(self.api, user_id, mark, 20)

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def documents(self) -> list[tuple[int, bool]]:
        with self.engine.connect() as connection:
            return [(r[0], bool(r[1])) for r in connection.execute(text("SELECT id, active FROM documents ORDER BY id"))]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def bot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp(f"admin-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'bot.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    api = FakeBotApi(TOKEN).start()
    process = start_bot(api, tmp, DATABASE_URL=url, ADMIN_IDS=str(ADMIN), MAX_UPLOAD_BYTES=str(LIMIT),
                        FLOOD_LIMIT="100")
    try:
        api.wait_for(lambda c: c.method == "setMyCommands" and (c.params.get("scope") or {}).get("chat_id") == ADMIN,
                     timeout=60)
        harness = Harness(api, url)
        yield harness
        harness.engine.dispose()
    finally:
        stop_bot(process)
        api.stop()
    assert api.errors == [], api.errors
    log = (tmp / "bot.log").read_text()
    assert TOKEN not in log
    assert f"refused admin command '/add' (message) from user {USER}" in log
    assert f"refused admin button 'adm:rm:1' from user {USER}" in log


def test_admin_uploads_a_document_and_it_answers_at_once(bot: Harness) -> None:
    before = len(bot.documents())
    added = bot.upload("court.txt", ARTICLE.encode(), caption="title: Court extends detention | publisher: Test Wire | date: 2019-08-26")
    assert "Added document" in added.params["text"] and "2 sentences" in added.params["text"]
    assert "Try asking" in added.params["text"]
    assert len(bot.documents()) == before + 1
    answer = bot.say("Who is the lawyer of the former president?", USER).params["text"]
    assert "Zamir Zhooshev" in answer and "Court extends detention" in answer and "Test Wire" in answer


def test_add_with_pasted_text_and_add_then_file(bot: Harness) -> None:
    pasted = bot.say("/add title: Pasted note | publisher: Desk\nThe yurt festival in Naryn drew 3,000 visitors.", ADMIN)
    assert "Added document" in pasted.params["text"]
    assert "Naryn" in bot.say("How many visitors did the yurt festival draw?", USER).params["text"]
    prompt = bot.say("/add", ADMIN)
    assert "Send me the document" in prompt.params["text"]
    added = bot.upload("eagle.md", b"# Eagles\n\nGolden eagles are trained for hunting near Issyk-Kul lake.\n")
    assert "Added document" in added.params["text"]


def test_non_admin_is_refused_and_nothing_changes(bot: Harness) -> None:
    before = bot.documents()
    for command in ("/add Some text to add.", "/remove 1", "/docs", "/stats", "/threshold 0.9", "/admin_add 950"):
        assert "only for the bot's admins" in bot.say(command, USER).params["text"]
    mark = bot.api.mark()
    fake_message = {"message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"},
                    "from": FakeBotApi.user(USER), "text": "x"}
    bot.api.press(fake_message, "adm:rm:1", user_id=USER)
    refusal = bot.api.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)
    assert "only for the bot's admins" in refusal.params["text"] and refusal.params.get("show_alert")
    upload = bot.upload("sneaky.txt", b"A non-admin tries to add text.", user_id=USER)
    assert "text questions" in upload.params["text"]
    assert bot.documents() == before
    assert bot.scalar("SELECT count(*) FROM admins") == 0


def test_remove_asks_to_confirm_then_restore(bot: Harness) -> None:
    question = "How many people were admitted to hospital?"
    first = bot.say(question, USER).params["text"]
    assert "<b>36</b> people" in first
    doc_id = bot.scalar("SELECT document_id FROM chunks WHERE text LIKE '%36 people%'")
    confirm = bot.say(f"/remove {doc_id}", ADMIN)
    assert f"#{doc_id}" in confirm.params["text"]
    mark = bot.api.mark()
    bot.api.press(confirm.result, buttons(confirm)["Yes, remove it"], user_id=ADMIN)
    edited = bot.api.wait_for(lambda c: c.method == "editMessageText", start=mark)
    assert "removed" in edited.params["text"]
    assert (doc_id, False) in bot.documents()
    assert "The health ministry said that" not in bot.say(question, USER).params["text"]
    assert "back" in bot.say(f"/restore {doc_id}", ADMIN).params["text"]
    assert "<b>36</b> people" in bot.say(question, USER).params["text"]
    keep = bot.say(f"/remove {doc_id}", ADMIN)
    mark = bot.api.mark()
    bot.api.press(keep.result, buttons(keep)["Cancel"], user_id=ADMIN)
    assert "Kept" in bot.api.wait_for(lambda c: c.method == "editMessageText", start=mark).params["text"]
    assert (doc_id, True) in bot.documents()
    assert "no document #99999" in bot.say("/remove 99999", ADMIN).params["text"]


@pytest.mark.parametrize(
    ("name", "data", "kw", "expected"),
    [
        ("report.pdf", b"%PDF-1.4 binary", {}, "not a readable PDF"),
        ("report.odt", b"PK\x03\x04 binary", {}, "only .txt"),
        ("big.txt", b"x" * (LIMIT + 1), {}, "the limit is"),
        ("claims-small.txt", b"small", {"declared_size": 50 * 1024 * 1024}, "the limit is"),
        ("latin1.txt", "Caf\xe9 in Bishkek.".encode("latin-1"), {}, "not UTF-8"),
        ("empty.txt", b"   \n\n", {}, "no text"),
        ("binary.txt", b"\x00\x01\x02\x03binary", {}, "binary"),
        ("dup.txt", (CORPUS / "rt-second-assault-on-atambayev-mansion.txt").read_bytes(), {}, "already have that text"),
        ("bad-date.txt", b"---\ndate: soon\n---\nText.", {}, "not a date"),
        ("bomb.txt.gz", gzip.compress(b"A" * 5_000_000), {}, "only .txt"),
        ("bomb.txt", gzip.compress(b"A" * 5_000_000), {}, "binary"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {}, "binary"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(bot: Harness, name: str, data: bytes, kw: dict[str, Any],
                                                    expected: str) -> None:
    before = (bot.documents(), bot.scalar("SELECT count(*) FROM chunks"))
    answer_before = bot.say("Who is Kursan Asanov?", USER).params["text"]
    refused = bot.upload(name, data, **kw)
    assert expected in refused.params["text"], refused.params["text"]
    assert (bot.documents(), bot.scalar("SELECT count(*) FROM chunks")) == before
    assert bot.say("Who is Kursan Asanov?", USER).params["text"] == answer_before


def test_a_name_with_path_separators_is_only_a_title(bot: Harness, tmp_path: Path) -> None:
    added = bot.upload("../../../etc/passwd_notes.txt", b"The shepherds of Suusamyr valley moved their flocks.")
    assert "Added document" in added.params["text"] and "Passwd notes" in added.params["text"]
    assert not Path("/etc/passwd_notes.txt").exists()


def test_stats_unanswered_export_and_forgetme(bot: Harness) -> None:
    bot.say("Who painted the Mona Lisa?", USER)
    bot.say("Who painted the Mona Lisa", USER)
    answered = bot.say("How many hostages were taken?", USER)
    mark = bot.api.mark()
    bot.api.press(answered.result, buttons(answered)["👎"], user_id=USER)
    bot.api.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)

    mark = bot.api.mark()
    bot.api.send_text("/stats", user_id=ADMIN)
    stats = reply(bot.api, ADMIN, mark)
    assert "Questions:" in stats.params["text"] and "Most asked" in stats.params["text"]
    photo = bot.api.wait_for(lambda c: c.method == "sendPhoto", start=mark, timeout=30)
    assert photo.error is None and bot.api.uploads[-1][2].startswith(b"\x89PNG")

    unanswered = bot.say("/unanswered", ADMIN).params["text"]
    assert "2× Who painted the Mona Lisa" in unanswered and "How many hostages were taken?" in unanswered

    mark = bot.api.mark()
    bot.api.send_text("/export", user_id=ADMIN)
    bot.api.wait_for(lambda c: c.method == "sendDocument", start=mark, timeout=20)
    method, filename, data = bot.api.uploads[-1]
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert filename == "questions.csv" and any(r["question"] == "Who painted the Mona Lisa?" for r in rows)
    assert any(r["question"] == "How many hostages were taken?" and r["votes_down"] == "1" for r in rows)

    forgotten = bot.say("/forgetme", USER).params["text"]
    assert "deleted" in forgotten
    assert bot.scalar(f"SELECT count(*) FROM questions WHERE user_id = {USER}") == 0
    assert bot.scalar(f"SELECT count(*) FROM votes WHERE user_id = {USER}") == 0


def test_threshold_is_shown_set_and_kept(bot: Harness) -> None:
    shipped = answer_model.shared().threshold  # the model's own, chosen on held-out predictions
    assert f"<b>{shipped:.3f}</b>" in bot.say("/threshold", ADMIN).params["text"]
    assert "0.990" in bot.say("/threshold 0.99", ADMIN).params["text"]
    assert "couldn't find" in bot.say("How many hostages were taken?", USER + 1).params["text"]
    assert bot.scalar("SELECT value FROM settings WHERE key = 'decline_threshold'") == "0.99"
    assert "number from 0 to 1" in bot.say("/threshold 7", ADMIN).params["text"]
    bot.say("/threshold 0.2", ADMIN)
    assert "<blockquote>" in bot.say("How many hostages were taken?", USER + 1).params["text"]


def test_admins_are_managed_by_command(bot: Harness) -> None:
    assert "only for the bot's admins" in bot.say("/docs", OTHER_ADMIN).params["text"]
    assert "is now an admin" in bot.say(f"/admin_add {OTHER_ADMIN}", ADMIN).params["text"]
    assert "Documents" in bot.say("/docs", OTHER_ADMIN).params["text"]
    assert "(from ADMIN_IDS)" in bot.say("/admins", OTHER_ADMIN).params["text"]
    assert "bootstrap admin" in bot.say(f"/admin_remove {ADMIN}", OTHER_ADMIN).params["text"]
    assert "no longer an admin" in bot.say(f"/admin_remove {OTHER_ADMIN}", ADMIN).params["text"]
    assert "only for the bot's admins" in bot.say("/docs", OTHER_ADMIN).params["text"]

def test_reindex_replies_when_done(bot: Harness) -> None:
    mark = bot.api.mark()
    bot.api.send_text("/reindex", user_id=ADMIN)
    done = bot.api.wait_for(lambda c: c.method == "sendMessage" and "Index rebuilt" in c.params.get("text", ""),
                            start=mark, timeout=30)
    assert "sentences from" in done.params["text"] and "documents in" in done.params["text"]


def test_commands_without_a_number_explain_themselves(bot: Harness) -> None:
    assert "document's number" in bot.say("/remove abc", ADMIN).params["text"]
    assert "document's number" in bot.say("/restore", ADMIN).params["text"]
    assert "numeric Telegram user id" in bot.say("/admin_add someone", ADMIN).params["text"]
    assert "numeric Telegram user id" in bot.say("/admin_remove 1 2", ADMIN).params["text"]


def test_admin_uploads_a_pdf(bot: Harness) -> None:
    from .test_formats import make_pdf

    added = bot.upload("statement.pdf", make_pdf(["The herders of Kochkor moved 900 sheep to the Song-Kul pastures."]))
    assert "Added document" in added.params["text"] and "Statement" in added.params["text"]
    assert "<b>900</b> sheep" in bot.say("How many sheep did the herders of Kochkor move?", USER).params["text"]
