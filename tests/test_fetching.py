"""/add URL: a local HTTP server on 127.0.0.1 serving realistic pages (navigation, promotions, "most read",
footers, cookie notices), a redirect to a private address, a huge page, a binary, a slow server; the SSRF
guard on and off; and the whole flow through the bot."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram.ext import Application

from bot.corpus.documents import DocumentRecord
from bot.intake import fetching
from bot.intake.extraction import page_record
from bot.service import QAService

from .botapi import FakeBotApi
from .offline import deliver, offline_bot
from .test_formats import make_pdf

ARTICLE = """<!doctype html><html><head><title>Herders return to Song-Kul | Mountain Wire</title>
<meta property="og:site_name" content="Mountain Wire">
<meta property="article:published_time" content="2019-08-12T09:00:00Z">
<link rel="canonical" href="https://mountainwire.example/herders-song-kul"></head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<div class="promo">Subscribe now and get 50% off your first year!</div>
<article><h1>Herders return to Song-Kul</h1>
<p>About 300 herding families drove their flocks up to the Song-Kul lake pastures on Monday, local officials said.</p>
<p>The families will stay at the lake until the first snow in late September.</p>
<p>A veterinary team from Naryn vaccinated more than 12,000 sheep before the move.</p></article>
<aside><h2>Most read</h2><ol><li>Ten celebrity weddings you missed</li><li>Best beaches of the Riviera</li></ol></aside>
<footer>Copyright 2019 Mountain Wire. All rights reserved. Follow us on social media.</footer></body></html>"""
SECOND = ARTICLE.replace("Song-Kul", "Suusamyr").replace("herders-song-kul", "herders-suusamyr").replace(
    "300 herding families", "140 herding families")


class Site(BaseHTTPRequestHandler):
    port = 0
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Site.hits.append(self.path)
        routes = {
            "/article": lambda: self._send(200, "text/html; charset=utf-8", ARTICLE.encode()),
            "/second": lambda: self._send(200, "text/html; charset=utf-8", SECOND.encode()),
            "/to-private": lambda: self._send(302, "text/plain", b"", {"Location": f"http://127.0.0.2:{Site.port}/article"}),
            "/loop": lambda: self._send(302, "text/plain", b"", {"Location": "/loop"}),
            "/huge": lambda: self._send(200, "text/html", b"<p>" + b"word " * 400_000 + b"</p>"),
            "/image": lambda: self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
            "/report.pdf": lambda: self._send(200, "application/pdf", make_pdf(["The pass at Too-Ashuu reopened on Friday."])),
            "/notes.txt": lambda: self._send(200, "text/plain; charset=utf-8", b"The Chui river rose by a metre overnight."),
            "/slow": lambda: (time.sleep(2), self._send(200, "text/html", ARTICLE.encode())),
        }
        routes.get(self.path, lambda: self._send(404, "text/plain", b"not found"))()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None  # a client that gave up (the time-out test) is expected here


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Site)
    Site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{Site.port}"
    server.shutdown()
    server.server_close()


def only_127_0_0_1_is_public(ip: object) -> bool:
    """For tests: 127.0.0.1 (where the test site listens) counts as public; every other address as it is."""
    return str(ip) == "127.0.0.1" or fetching.is_public(ip)  # type: ignore[arg-type]


async def test_the_guard_refuses_local_private_and_metadata_addresses_without_connecting(site: str) -> None:
    Site.hits.clear()
    for url, reason in ((f"{site}/article", "private or local"), ("http://10.1.2.3/news", "private or local"),
                        ("http://169.254.169.254/latest/meta-data", "private or local"),
                        ("http://[::1]/x", "private or local"), ("file:///etc/passwd", "only http"),
                        ("ftp://example.org/x", "only http")):
        with pytest.raises(fetching.FetchError, match=reason):
            await fetching.fetch(url, max_bytes=100_000, allow_private=False)
    assert Site.hits == []


async def test_every_redirect_is_checked(site: str) -> None:
    Site.hits.clear()
    with pytest.raises(fetching.FetchError, match="127.0.0.2 is a private or local address"):
        await fetching.fetch(f"{site}/to-private", max_bytes=100_000, allow_private=False,
                             public=only_127_0_0_1_is_public)
    assert Site.hits == ["/to-private"]  # the private hop was never requested
    with pytest.raises(fetching.FetchError, match="redirects too many times"):
        await fetching.fetch(f"{site}/loop", max_bytes=100_000, allow_private=True)


async def test_the_connection_goes_only_to_the_address_that_was_checked(site: str) -> None:
    """DNS rebinding: a name that resolves to a public address for the check and a private one for the
    connection is refused when connecting, before any request."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.2"])

    Site.hits.clear()
    with pytest.raises(fetching.FetchError, match="private or local"):
        await fetching.fetch(f"http://rebind.test:{Site.port}/article", max_bytes=100_000, allow_private=False,
                             resolver=rebinding, public=only_127_0_0_1_is_public)
    assert Site.hits == []
    page = await fetching.fetch(f"http://pinned.test:{Site.port}/article", max_bytes=100_000, allow_private=False,
                                resolver=lambda host, port: ["127.0.0.1"], public=only_127_0_0_1_is_public)
    assert "Herders return to Song-Kul" in page.body.decode()  # a made-up name, reached at its checked address


@pytest.mark.parametrize(("path", "reason"), [("/huge", "larger than the limit"), ("/image", "image/png"),
                                              ("/missing", "answered 404"), ("/slow", "did not answer in time")])
async def test_what_is_not_an_article_is_refused_with_a_reason(site: str, path: str, reason: str) -> None:
    with pytest.raises(fetching.FetchError, match=reason):
        await fetching.fetch(site + path, max_bytes=100_000, allow_private=True, timeout=0.5)


def to_record(page: fetching.Fetched) -> DocumentRecord:
    return page_record(page.url, page.kind, page.body, page.encoding, max_chars=1_000_000)


async def test_the_article_is_read_without_the_page_furniture(site: str) -> None:
    """On its own host (a made-up name reached at 127.0.0.1), the page's site name is its publisher."""
    url = f"http://mountainwire.example:{Site.port}/article"
    page = await fetching.fetch(url, max_bytes=100_000, allow_private=False, resolver=lambda host, port: ["127.0.0.1"],
                                public=only_127_0_0_1_is_public)
    record = to_record(page)
    assert record.title == "Herders return to Song-Kul" and record.publisher == "Mountain Wire"
    assert str(record.date) == "2019-08-12" and record.url == url  # the address fetched, not the canonical link
    assert "About 300 herding families drove their flocks" in record.text and "12,000 sheep" in record.text
    for furniture in ("cookies", "Subscribe", "Most read", "celebrity", "Copyright", "Sport"):
        assert furniture not in record.text
    pdf = to_record(await fetching.fetch(f"{site}/report.pdf", max_bytes=100_000, allow_private=True))
    assert "Too-Ashuu reopened" in pdf.text and pdf.url == f"{site}/report.pdf" and pdf.publisher == "127.0.0.1"
    plain = to_record(await fetching.fetch(f"{site}/notes.txt", max_bytes=100_000, allow_private=True))
    assert plain.text == "The Chui river rose by a metre overnight." and plain.title == "Notes"


ADMIN = 900


@pytest.fixture
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Application, FakeBotApi, QAService]]:  # type: ignore[type-arg]
    from bot.storage import Database

    from .conftest import CORPUS

    service = QAService(Database(f"sqlite:///{tmp_path_factory.mktemp('fetch') / 'bot.sqlite3'}"),
                        admin_ids=frozenset({ADMIN}))
    service.start(CORPUS)
    async with offline_bot(service, fetch_allow_private_hosts=True, flood_limit=100) as (application, api):
        yield application, api, service


async def say(application: Application, api: FakeBotApi, text: str, user: int = ADMIN) -> list[object]:  # type: ignore[type-arg]
    mark = api.mark()
    api.send_text(text, user_id=user)
    await deliver(application, api)
    return [c for c in api.calls[mark:] if c.method == "sendMessage"]


async def test_an_admin_adds_a_page_by_link_and_by_a_bare_url(site: str, bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    replies = [c.params["text"] for c in await say(application, api, f"/add {site}/article")]  # type: ignore[attr-defined]
    added = replies[-1]
    assert "Added document" in added and "Herders return to Song-Kul" in added
    assert "127.0.0.1, 12 August 2019" in added and "sentences" in added and "Try asking" in added
    assert "fetched from <b>127.0.0.1</b>" in added  # the host it came from, whatever the page says of itself
    answer = [c.params["text"] for c in await say(application, api, "How many herding families went to Song-Kul?", 5)]  # type: ignore[attr-defined]
    assert "<b>300</b> herding families" in answer[0] and f"{site}/article" in answer[0]
    again = [c.params["text"] for c in await say(application, api, f"/add {site}/article")]  # type: ignore[attr-defined]
    assert "already have that page" in again[-1]
    [offer] = await say(application, api, f"{site}/second")
    assert "Add the article" in offer.params["text"]  # type: ignore[attr-defined]
    data = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]  # type: ignore[attr-defined]
    mark = api.mark()
    api.press(offer.result, data, user_id=ADMIN)  # type: ignore[attr-defined]
    await deliver(application, api)
    assert any("Added document" in c.params.get("text", "") for c in api.calls[mark:] if c.method == "sendMessage")
    assert service.store.find_by_url(f"{site}/second") is not None
    refused = [c.params["text"] for c in await say(application, api, f"/add {site}/image")]  # type: ignore[attr-defined]
    assert "couldn't add that page" in refused[-1] and "image/png" in refused[-1]


async def test_a_bare_url_from_anyone_else_is_only_a_question(site: str, bot: tuple[Application, FakeBotApi, QAService]) -> None:  # type: ignore[type-arg]
    application, api, service = bot
    before = len(service.store.documents(include_inactive=True))
    replies = await say(application, api, f"{site}/article", user=5)
    assert all("Add the article" not in c.params["text"] for c in replies)  # type: ignore[attr-defined]
    assert len(service.store.documents(include_inactive=True)) == before
