"""Fetching a news page for `/add URL`, and reading its article (trafilatura) into a document record.

The fetch is guarded against server-side request forgery: only http(s), and every host (the first and each
redirect's) must resolve to public addresses only; loopback, private, link-local, reserved and metadata
addresses are refused unless FETCH_ALLOW_PRIVATE_HOSTS (tests, intranets). Redirects are followed by hand (at
most MAX_REDIRECTS) so that each hop is checked; the body is read up to the upload limit; only web pages,
plain text and PDF are accepted; every step has a time-out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import certifi
import httpcore
import httpx
from httpcore import AnyIOBackend, AsyncNetworkStream

from bot.corpus import MAX_TITLE_CHARS, DocumentError, DocumentRecord, parse_text, title_from_name

MAX_REDIRECTS = 5
KINDS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text", "application/pdf": "pdf"}
USER_AGENT = "Mozilla/5.0 (compatible; KoiTashEventBot/1.0; +news archive for one event)"
_URL = re.compile(r"\s*(https?://\S+)\s*\Z", re.IGNORECASE)

Resolver = Callable[[str, int], list[str]]
PublicCheck = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: not loopback, private, link-local (cloud metadata), reserved or multicast."""
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


class FetchError(ValueError):
    """A page that cannot be fetched; the message says why in plain words."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    kind: str  # html, text or pdf
    body: bytes
    encoding: str | None


def single_url(text: str) -> str | None:
    """The URL when the text is one http(s) address and nothing else."""
    match = _URL.match(text)
    return match.group(1) if match else None


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def vetted_addresses(host: str, port: int, *, allow_private: bool, resolver: Resolver = resolve,
                     public: PublicCheck = is_public) -> list[str]:
    """The addresses a host resolves to, all checked; FetchError when any is not public (unless allowed)."""
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as error:
        raise FetchError(f"the address {host} cannot be found") from error
    if not addresses:
        raise FetchError(f"the address {host} cannot be found")
    if not allow_private and not all(public(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise FetchError(f"{host} is a private or local address; I only fetch public pages")
    return addresses


class _PinnedBackend(AnyIOBackend):
    """httpcore's network backend, connecting only to an address it has resolved and checked itself, so that a
    name cannot resolve to a public address for the check and a private one for the connection (DNS
    rebinding). TLS still verifies the certificate against the host name."""

    def __init__(self, *, allow_private: bool, resolver: Resolver, public: PublicCheck) -> None:
        super().__init__()
        self.allow_private, self.resolver, self.public = allow_private, resolver, public
        self.connected: list[str] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> AsyncNetworkStream:
        addresses = await asyncio.to_thread(vetted_addresses, host, port, allow_private=self.allow_private,
                                            resolver=self.resolver, public=self.public)
        self.connected.append(addresses[0])
        return await super().connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                         socket_options=socket_options)


def _client(timeout: float, backend: _PinnedBackend) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx's transport takes no network backend; its connection pool does (httpcore's own API).
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001
        ssl_context=ssl.create_default_context(cafile=certifi.where()), network_backend=backend)
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False,
                             headers={"User-Agent": USER_AGENT})


async def fetch(url: str, *, max_bytes: int, allow_private: bool, timeout: float = 10.0,
                resolver: Resolver = resolve, public: PublicCheck = is_public) -> Fetched:
    """GET a page, checking the host of every hop before any request and connecting only to the addresses
    checked; FetchError with a reason for anything refused."""
    backend = _PinnedBackend(allow_private=allow_private, resolver=resolver, public=public)
    try:
        return await asyncio.wait_for(_fetch(url, max_bytes, timeout, backend), timeout * 3)
    except (TimeoutError, httpx.TimeoutException) as error:
        raise FetchError("the site did not answer in time") from error
    except httpx.HTTPError as error:
        raise FetchError(f"the site could not be reached ({type(error).__name__})") from error


async def _fetch(url: str, max_bytes: int, timeout: float, backend: _PinnedBackend) -> Fetched:
    async with _client(timeout, backend) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            if target.scheme not in ("http", "https") or not target.host:
                raise FetchError("only http and https addresses can be fetched")
            port = target.port or (443 if target.scheme == "https" else 80)
            await asyncio.to_thread(vetted_addresses, target.host, port, allow_private=backend.allow_private,
                                    resolver=backend.resolver, public=backend.public)
            async with client.stream("GET", target) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError("the site redirects nowhere")
                    url = str(response.url.join(location))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"the site answered {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                kind = KINDS.get(content_type)
                if kind is None:
                    raise FetchError(f"it is {content_type or 'of no declared type'}, not a web page, text or a PDF")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"the page is larger than the limit of {max_bytes // 1024:,} KB")
                body = bytearray()
                async for piece in response.aiter_bytes():
                    body += piece
                    if len(body) > max_bytes:
                        raise FetchError(f"the page is larger than the limit of {max_bytes // 1024:,} KB")
                return Fetched(str(response.url), kind, bytes(body), response.encoding)
    raise FetchError("the site redirects too many times")


def _shortened(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def to_record(page: Fetched) -> DocumentRecord:
    """The article of a fetched page as a document: its main text only (no navigation, promotions, "most
    read" lists, footers or cookie notices), with title, site name as publisher, date and canonical URL."""
    name = PurePosixPath(httpx.URL(page.url).path).name or "page"
    if page.kind == "pdf":
        from bot import formats

        try:
            extracted = formats.pdf_text(page.body)
        except formats.FormatError as error:
            raise DocumentError(str(error)) from error
        return DocumentRecord(title=_shortened(extracted.title or title_from_name(name)), text=extracted.text,
                              url=page.url)
    text = page.body.decode(page.encoding or "utf-8", errors="replace")
    if page.kind == "text":
        record = parse_text(text, name=name, source=None)
        return DocumentRecord(title=_shortened(record.title), text=record.text, publisher=record.publisher,
                              date=record.date, url=record.url or page.url)
    import trafilatura

    found = trafilatura.bare_extraction(text, url=page.url, with_metadata=True, favor_precision=True)
    article = found.as_dict() if found is not None and hasattr(found, "as_dict") else (found or {})
    body = "\n\n".join(line.strip() for line in (article.get("text") or "").splitlines() if line.strip())
    if not body:
        raise DocumentError("I could not find the text of an article on that page")
    canonical = article.get("url") or page.url
    if not re.match(r"https?://\S+\Z", canonical):
        canonical = page.url
    date = None
    published = article.get("date") or ""
    if re.match(r"\d{4}-\d{2}-\d{2}", published):
        import datetime as dt

        date = dt.date.fromisoformat(published[:10])
    title = article.get("title") or title_from_name(name)
    publisher = article.get("sitename") or article.get("hostname")
    return DocumentRecord(title=_shortened(title), text=body,
                          publisher=_shortened(publisher)[:200] if publisher else None, date=date, url=canonical)
