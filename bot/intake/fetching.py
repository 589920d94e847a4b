"""Fetching a news page for `/add URL`, and reading its article (trafilatura) into a document record.

The fetch is guarded against server-side request forgery: only http(s), and every host (the first and each
redirect's) must resolve to public addresses only; loopback, private, link-local, reserved and metadata
addresses are refused unless FETCH_ALLOW_PRIVATE_HOSTS (tests, intranets). Redirects are followed by hand (at
most MAX_REDIRECTS) so that each hop is checked; the body is read up to the upload limit, counted after
decompression as the bytes are produced (one gzip or deflate layer at most; a stacked or unknown encoding is
refused); only web pages, plain text and PDF are accepted; every step has a time-out. Reading the page's text
is `bot.intake.extraction`'s job, in a worker process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import certifi
import httpcore
import httpx
from httpcore import AnyIOBackend, AsyncNetworkStream

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
    url: str  # after redirects: the address actually fetched
    kind: str  # html, text or pdf
    body: bytes  # decompressed
    encoding: str | None  # the charset the response declared, if any


def single_url(text: str) -> str | None:
    """The URL when the text is one http(s) address and nothing else."""
    match = _URL.match(text)
    return match.group(1) if match else None


def host_of(url: str) -> str:
    """The host name of an address, as fetched (no port, no credentials)."""
    return httpx.URL(url).host


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
                             headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})


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
    except httpx.InvalidURL as error:  # "http://0177.0.0.1/": an address httpx will not read
        raise FetchError(f"that is not a web address I can read ({str(error)[:100]})") from error


class _BoundedDecoder:
    """The response's Content-Encoding undone as its bytes arrive, never producing more than `limit` bytes: a
    compressed bomb is stopped at the limit, not unpacked and then measured. One gzip or deflate layer at
    most; anything else is refused before a byte is read."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1:
            raise FetchError(f"the page is compressed more than once ({content_encoding[:60]}); I don't unpack that")
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise FetchError(f"the page is compressed in a way I don't read ({self.coding[:30]})")
        wbits = 16 + zlib.MAX_WBITS if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits) if self.coding else None
        self._started = False
        self.limit = limit
        self.produced = 0

    def too_large(self) -> FetchError:
        return FetchError(f"the page is larger than the limit of {self.limit // 1024:,} KB")

    def feed(self, data: bytes) -> bytes:
        if self._inflate is None:
            out = data
        else:
            try:
                out = self._inflate.decompress(data, self.limit - self.produced + 1)
            except zlib.error as error:
                if self.coding != "deflate" or self._started:
                    raise FetchError("its compressed data is broken") from error
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without the zlib header
                out = self._inflate.decompress(data, self.limit - self.produced + 1)
            self._started = True
        self.produced += len(out)
        if self.produced > self.limit:
            raise self.too_large()
        return out

    def finish(self) -> bytes:
        if self._inflate is None:
            return b""
        try:
            out = self._inflate.flush(self.limit - self.produced + 1)
        except zlib.error as error:
            raise FetchError("its compressed data is broken") from error
        self.produced += len(out)
        if self.produced > self.limit:
            raise self.too_large()
        return out


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
                decoder = _BoundedDecoder(",".join(response.headers.get_list("content-encoding")), max_bytes)
                body, received = bytearray(), 0
                async for piece in response.aiter_raw():  # as sent: httpx would decode a whole read at once
                    received += len(piece)
                    if received > max_bytes:
                        raise decoder.too_large()
                    body += decoder.feed(piece)
                body += decoder.finish()
                return Fetched(str(response.url), kind, bytes(body), response.charset_encoding)
    raise FetchError("the site redirects too many times")
