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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import httpx

from bot.corpus import MAX_TITLE_CHARS, DocumentError, DocumentRecord, parse_text, title_from_name

MAX_REDIRECTS = 5
KINDS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text", "application/pdf": "pdf"}
USER_AGENT = "Mozilla/5.0 (compatible; KoiTashEventBot/1.0; +news archive for one event)"
_URL = re.compile(r"\s*(https?://\S+)\s*\Z", re.IGNORECASE)

Resolver = Callable[[str, int], list[str]]


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


def check_host(host: str, port: int, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Refuse a host that is, or resolves to, anything but public addresses."""
    if allow_private:
        return
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as error:
        raise FetchError(f"the address {host} cannot be found") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast or ip.is_reserved:
            raise FetchError(f"{host} is a private or local address; I only fetch public pages")
    if not addresses:
        raise FetchError(f"the address {host} cannot be found")


async def fetch(url: str, *, max_bytes: int, allow_private: bool, timeout: float = 10.0,
                resolver: Resolver = resolve) -> Fetched:
    """GET a page, checking the host of every hop; FetchError with a reason for anything refused."""
    try:
        return await asyncio.wait_for(_fetch(url, max_bytes, allow_private, timeout, resolver), timeout * 3)
    except (TimeoutError, httpx.TimeoutException) as error:
        raise FetchError("the site did not answer in time") from error
    except httpx.HTTPError as error:
        raise FetchError(f"the site could not be reached ({type(error).__name__})") from error


async def _fetch(url: str, max_bytes: int, allow_private: bool, timeout: float, resolver: Resolver) -> Fetched:
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                 headers={"User-Agent": USER_AGENT}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            if target.scheme not in ("http", "https") or not target.host:
                raise FetchError("only http and https addresses can be fetched")
            port = target.port or (443 if target.scheme == "https" else 80)
            await asyncio.to_thread(check_host, target.host, port, allow_private=allow_private, resolver=resolver)
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
