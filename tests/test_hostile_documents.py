"""Issue 24, hostile documents and pages, round two: each finding against the code that reads, fetches and
answers, in-process (the bot as a real process is in tests/test_hostile_bot.py).

Slow parses are made quick to test by setting the workers' limits low, as an operator could."""

from __future__ import annotations

import re
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.__main__ import main as cli
from bot.corpus.documents import DocumentError, parse_upload
from bot.corpus.records import MAX_ROW_ID
from bot.intake import fetching
from bot.intake.extraction import publisher_for
from bot.intake.reading import DocumentReader, ReadLimits
from bot.service import QAService
from bot.storage import Database
from bot.telegram import callbacks
from bot.telegram.admin import texts as admin_texts
from bot.telegram.context import SERVICES_KEY

from . import hostile_files
from .botapi import BOT_USERNAME, FakeBotApi
from .conftest import CORPUS
from .offline import deliver, offline_bot
from .test_fetching import ARTICLE

ADMIN = 900
SPOOF = ARTICLE.replace('content="Mountain Wire"', 'content="Reuters"').replace(
    "https://mountainwire.example/herders-song-kul", "https://www.reuters.com/world/herders").replace(
    "</head>", '<meta property="og:url" content="https://www.reuters.com/world/herders"></head>')


class Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None

    def _send(self, content_type: str, body: bytes, encoding: str | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        routes = {
            "/stacked": lambda: self._send("text/html", hostile_files.stacked_gzip(), "gzip, gzip"),
            "/bomb": lambda: self._send("text/html", hostile_files.gzip_bomb(), "gzip"),
            "/brotli": lambda: self._send("text/html", b"\x1b\x00\x00", "br"),
            "/gzipped": lambda: self._send("text/html; charset=utf-8", __import__("gzip").compress(ARTICLE.encode()), "gzip"),
            "/rot13": lambda: self._send("text/html; charset=rot13", ARTICLE.encode()),
            "/spoof": lambda: self._send("text/html; charset=utf-8", SPOOF.encode()),
            "/tiny": lambda: self._send("text/html", hostile_files.tiny_elements_page(1.0)),
        }
        routes[self.path]()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    """Workers with low limits: 2 s to read a document, 400 MB of address space, 200,000 characters."""
    reader = DocumentReader(ReadLimits(cpu_seconds=2, wall_seconds=2, memory_mb=400, max_chars=200_000,
                                       max_sentences=2_000), workers=1)
    reader.start()
    yield reader
    reader.close()


# --- finding 1: stacked and unknown encodings; decoded bytes counted as they are produced -------------------


async def test_stacked_and_unknown_encodings_are_refused(site: str) -> None:
    with pytest.raises(fetching.FetchError, match="compressed more than once"):
        await fetching.fetch(f"{site}/stacked", max_bytes=5_000_000, allow_private=True)
    with pytest.raises(fetching.FetchError, match="compressed in a way I don't read"):
        await fetching.fetch(f"{site}/brotli", max_bytes=5_000_000, allow_private=True)
    page = await fetching.fetch(f"{site}/gzipped", max_bytes=5_000_000, allow_private=True)
    assert b"Herders return to Song-Kul" in page.body  # one gzip layer is read as before


async def test_a_gzip_bomb_is_stopped_at_the_limit_not_unpacked_first(site: str) -> None:
    """200 MB of zeros in 200 KB: memory stays near the 5 MB limit (httpx would decode each network read whole)."""
    tracemalloc.start()
    try:
        with pytest.raises(fetching.FetchError, match="larger than the limit"):
            await fetching.fetch(f"{site}/bomb", max_bytes=5_000_000, allow_private=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak / 1e6:.0f} MB"


# --- findings 2-5: every parse in a worker with limits; text capped ------------------------------------------


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("bomb.docx", lambda: hostile_files.empty_paragraphs_docx(), "took too long|more memory"),
    ("forms.pdf", lambda: hostile_files.heavy_form_pdf(), "took too long"),
    ("shared.pdf", lambda: hostile_files.shared_stream_pdf(5, 0.5), "text is larger than the limit of 200,000"),
    ("sentences.txt", lambda: b"It rained. " * 5_000, "has 5,000 sentences; the limit is 2,000"),
])
def test_each_hostile_file_is_refused_in_the_worker_with_its_reason(reader: DocumentReader, name: str, make: object,
                                                                   reason: str) -> None:
    data = make()  # type: ignore[operator]
    started = time.monotonic()
    with pytest.raises(DocumentError) as refused:  # the reader gives facts; the admin's texts word them
        reader.upload(data, filename=name)
    assert re.search(reason, admin_texts.refusal(refused.value))
    assert time.monotonic() - started < 15
    assert reader.upload(b"The pass reopened on Friday.", filename="ok.txt").record.text  # a worker is ready again


def test_a_page_that_trafilatura_reads_in_quadratic_time_is_refused(reader: DocumentReader) -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError) as refused:
        reader.page("http://tiny.example/", "html", hostile_files.tiny_elements_page(1.0), None)
    assert "the page took too long to read" in admin_texts.refusal(refused.value)
    assert time.monotonic() - started < 10


def test_the_worker_limits_are_the_kernels(reader: DocumentReader) -> None:
    """The address-space limit is set in each worker, not in the bot."""
    reader.upload(b"The pass reopened on Friday.", filename="ok.txt")  # the worker is up
    [pid] = reader.sandbox.pids()
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert "Max address space" in limits and str(400 * 1024 * 1024) in limits


# --- finding 11: control characters stripped when text is taken in -------------------------------------------


HOSTILE_TEXT = ("The \x1b[31mred\x1b[0m raid \x1b]52;c;ZXZpbA==\x07began at dawn on \x9b2JWednesday.\r\n"
                "Supporters\x07 held\tthe gates.\x7f")


def test_documents_beyond_the_readers_queue_are_refused_at_once() -> None:
    """Finding 7: parses wait on the reader's own threads and queue; beyond it a document is refused at once."""
    from bot.intake.reading import ReadError

    slow = DocumentReader(ReadLimits(cpu_seconds=5, wall_seconds=5), workers=1, queue=1)
    try:
        pdf = hostile_files.heavy_form_pdf()
        reading = [slow.submit("file", lambda: slow.upload(pdf, filename="forms.pdf")) for _ in range(2)]
        began = time.monotonic()
        refused = slow.submit("file", lambda: slow.upload(b"title: x\n\nA sentence.", filename="x.txt"))
        with pytest.raises(ReadError) as error:
            refused.result(timeout=1)
        assert error.value.refusal == "reader_busy" and time.monotonic() - began < 0.5
        with pytest.raises(ReadError, match="took_too_long"):
            reading[0].result(timeout=30)
    finally:
        slow.close()
    with pytest.raises(ReadError, match="reader_stopped"):
        reading[1].result(timeout=30)


def test_terminal_escapes_never_reach_the_store_or_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = parse_upload(HOSTILE_TEXT.encode(), filename="raid.txt", caption="title: Raid\x1b[2J | publisher: X\x9d")
    assert record.text == "The red raid began at dawn on Wednesday.\nSupporters held\tthe gates."
    assert record.title == "Raid" and record.publisher == "X"
    (tmp_path / "raid.txt").write_text(HOSTILE_TEXT)
    assert cli(["ask", "When did the raid begin?", "--corpus", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "began at dawn" in printed
    assert not any(ch in printed for ch in "\x1b\x07\x9b\x9d\x7f")


# --- the bot: findings 6, 7, 8, 9, 12 -----------------------------------------------------------------------


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Application, FakeBotApi, QAService]]:  # type: ignore[type-arg]
    service = QAService(Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}"), admin_ids=frozenset({ADMIN}))
    service.start(CORPUS)
    async with offline_bot(service, fetch_allow_private_hosts=True, flood_limit=4, parse_workers=1) as (application, api):
        yield application, api, service


async def say(application: Application, api: FakeBotApi, text: str, user: int = ADMIN) -> list[str]:  # type: ignore[type-arg]
    mark = api.mark()
    api.send_text(text, user_id=user)
    await deliver(application, api)
    return [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]


async def test_a_page_cannot_claim_another_site(site: str, bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    """Finding 7: the link stored is the address fetched, the publisher the fetched host's site; the confirmation
    names that host; the real site's page can still be added later."""
    application, api, service = bot
    replies = await say(application, api, f"/add {site}/spoof")
    assert "Added document" in replies[-1] and "fetched from <b>127.0.0.1</b>" in replies[-1]
    assert "Reuters" not in replies[-1]
    document_id = service.store.find_by_url(f"{site}/spoof")
    assert document_id is not None
    stored = service.knowledge.all_documents[document_id]
    assert (stored.url, stored.publisher) == (f"{site}/spoof", "127.0.0.1")
    assert service.store.find_by_url("https://www.reuters.com/world/herders") is None


def test_a_site_name_is_believed_only_on_its_own_host() -> None:
    assert publisher_for("Reuters", "www.reuters.com") == "Reuters"
    assert publisher_for("BBC News", "www.bbc.co.uk") == "BBC News"
    assert publisher_for("AKIpress", "akipress.org") == "AKIpress"
    assert publisher_for("Reuters", "evil.example") == "evil.example"
    assert publisher_for("Reuters", "reuters.evil.example") == "reuters.evil.example"
    assert publisher_for("Reuters", "rt.com") == "rt.com"
    assert publisher_for(None, "www.24.kg") == "24.kg"


async def test_unreadable_charsets_and_addresses_get_their_reason(site: str, bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    """Finding 12: charset=rot13 and http://0177.0.0.1/ each say why, not "something went wrong"."""
    application, api, service = bot
    before = len(service.store.documents(include_inactive=True))
    rot13 = await say(application, api, f"/add {site}/rot13")
    assert "couldn't add that page" in rot13[-1] and "rot13, which is not a character set" in rot13[-1]
    octal = await say(application, api, "/add http://0177.0.0.1/")
    assert "couldn't add that page" in octal[-1] and "not a web address I can read" in octal[-1]
    assert len(service.store.documents(include_inactive=True)) == before


async def test_a_hostile_upload_is_refused_and_nothing_is_stored(bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    application.bot_data[SERVICES_KEY].reader.limits = ReadLimits(max_chars=100_000)
    before = len(service.store.documents(include_inactive=True))
    mark = api.mark()
    api.send_document("shared.pdf", hostile_files.shared_stream_pdf(5, 0.5), user_id=ADMIN)
    await deliver(application, api)
    [reply] = [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage"]
    assert "the file's text is larger than the limit of 100,000 characters" in reply and "Nothing was changed" in reply
    assert len(service.store.documents(include_inactive=True)) == before


GROUP = -100777


async def test_thirty_commands_of_any_kind_give_the_flood_limit_and_one_notice(bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    """Finding 6: /help, /start, /sources, /forgetme, a bare /ask or mention, a refused admin command..."""
    application, api, _ = bot
    mention = f"@{BOT_USERNAME}"
    kinds = ["/help", "/start", "/sources", "/forgetme", "/ask", "/ask who is Kursan Asanov?", mention, "/add x",
             "/docs", "/stats"]
    mark = api.mark()
    for i in range(30):
        text = kinds[i % len(kinds)]
        entities = [{"type": "mention", "offset": 0, "length": len(mention)}] if text == mention else None
        api.send_text(text, user_id=55, chat_id=GROUP, chat_type="supergroup", entities=entities)
    await deliver(application, api)
    sent = api.sent_to(GROUP, start=mark)
    assert len(sent) == 4 + 1, [c.params["text"][:40] for c in sent]
    assert sum("Please wait" in c.params["text"] for c in sent) == 1
    mark = api.mark()
    api.send_text("/ask who is Kursan Asanov?", user_id=56, chat_id=GROUP, chat_type="supergroup")
    await deliver(application, api)
    assert "Asanov" in api.sent_to(GROUP, start=mark)[0].params["text"]  # another member is answered


async def test_more_presses_are_counted_before_the_answer_is_run_again(bot: tuple[Application, FakeBotApi, QAService],  # type: ignore[type-arg]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 8: 40 presses of More cost at most the flood limit in re-answers."""
    application, api, service = bot
    mark = api.mark()
    api.send_text("How many hostages were taken?", user_id=57)
    await deliver(application, api)
    answer = next(c for c in api.calls[mark:] if c.method == "sendMessage")
    more = next(b["callback_data"] for row in answer.params["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == "More")
    runs: list[int] = []
    original = service.more
    monkeypatch.setattr(service, "more", lambda *args: runs.append(1) or original(*args))
    for _ in range(40):
        api.press(answer.result, more, user_id=57)
    await deliver(application, api)
    assert len(runs) <= 3  # the question itself took one of the four


def test_forged_ids_beyond_the_column_are_refused_before_any_query() -> None:
    """Finding 9: ids are 32-bit INTEGER columns; the codec allowed up to 2**53."""
    assert callbacks.decode(f"more:{MAX_ROW_ID}") is not None
    for data in (f"more:{MAX_ROW_ID + 1}", f"ctx:{2**40}", f"v:{2**53 - 1}:1", f"adm:rm:{2**31}"):
        assert callbacks.decode(data) is None


async def test_forged_ids_on_postgresql_get_no_traceback(database_url: str) -> None:
    service = QAService(Database(database_url), admin_ids=frozenset({ADMIN}))
    service.start(CORPUS)
    try:
        async with offline_bot(service, flood_limit=100) as (application, api):
            mark = api.mark()
            api.send_text("How many hostages were taken?", user_id=58)
            await deliver(application, api)
            answer = next(c for c in api.calls[mark:] if c.method == "sendMessage")
            mark = api.mark()
            for data in (f"more:{2**40}", f"v:{2**31}:1", f"ctx:{2**45}"):
                api.press(answer.result, data, user_id=58)
            await deliver(application, api)
            for command in (f"/restore {2**35}", f"/remove {2**31}", f"/synonym_remove {2**40}"):
                replies = await say(application, api, command)
                assert replies and not any("went wrong" in r for r in replies), (command, replies)
            assert not any("went wrong" in c.params.get("text", "") for c in api.calls[mark:])
    finally:
        service.database.dispose()
