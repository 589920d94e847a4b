"""Extracting text from untrusted bytes (an uploaded file, a fetched page): the jobs that run inside the
sandbox's worker processes (`bot.intake.sandbox`), never in the bot's own.

Each job takes plain arguments and bytes and returns plain data: a record and its sentence spans, or what was
refused and why. The text is capped (characters, then sentences) here, where the cost of reading it falls, so
that nothing over the cap ever reaches the bot or its database. A fetched page's link is the address that was
fetched and its publisher the fetched host's site: a page can claim another site in its canonical link,
`og:url` or `og:site_name`, and it is not believed.

This module is imported by the workers: it imports only the parsers, never the search stack or Telegram.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import resource
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from bot.corpus.chunking import chunk_text
from bot.corpus.documents import (MAX_PUBLISHER_CHARS, MAX_TITLE_CHARS, DocumentError, DocumentRecord, TextTooLarge,
                        parse_text, parse_upload, title_from_name)

# Second-level labels under which a country's sites register (bbc.co.uk, abc.net.au): the site's own label is
# the one before them.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go", "gv"})
_WARM_UP_PAGE = ("<html><head><title>Warm-up</title></head><body><article><p>The workers read one small page at "
                 "start, so that the first real page is read at full speed.</p></article></body></html>")


def site_of(host: str) -> str:
    """The site a host name belongs to, as people write it: `www.reuters.com` -> `reuters.com`."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _site_label(host: str) -> str:
    labels = site_of(host).split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def publisher_for(claimed: str | None, host: str) -> str:
    """The name a page gives its site when it is the fetched host's own ("Mountain Wire" on
    mountainwire.example, "BBC News" on www.bbc.co.uk), the fetched host's site otherwise ("Reuters" claimed by a
    page on evil.example is evil.example)."""
    site = site_of(host)
    if claimed:
        name, label = _letters(claimed), _letters(_site_label(host))
        if name and label and (name == label or (min(len(name), len(label)) >= 3
                                                 and (name.startswith(label) or label.startswith(name)))):
            return _shortened(claimed, MAX_PUBLISHER_CHARS)
    return _shortened(site, MAX_PUBLISHER_CHARS)


def _shortened(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"


def text_encoding(declared: str | None) -> str:
    """The codec to decode a page with; DocumentError when the page declares one that is not a text encoding
    (`charset=rot13`) or that does not exist."""
    if not declared:
        return "utf-8"
    try:
        info = codecs.lookup(declared)
    except LookupError as error:
        raise DocumentError(f"it declares a character set I don't know ({declared[:40]})") from error
    if not getattr(info, "_is_text_encoding", True):
        raise DocumentError(f"it declares {declared[:40]}, which is not a character set")
    return info.name


def page_record(url: str, kind: str, body: bytes, encoding: str | None, *, max_chars: int) -> DocumentRecord:
    """The article of a fetched page as a document: its main text only (no navigation, promotions, "most
    read" lists, footers or cookie notices), with title and date from the page, the fetched address as its link
    and the fetched host's site as its publisher."""
    host = urlsplit(url).hostname or ""
    name = PurePosixPath(urlsplit(url).path).name or "page"
    if kind == "pdf":
        record = parse_upload(body, filename="page.pdf", max_chars=max_chars)
        title = record.title if record.title != title_from_name("page.pdf") else title_from_name(name)
        return DocumentRecord(title=_shortened(title), text=record.text, publisher=publisher_for(None, host),
                              url=url)
    text = body.decode(text_encoding(encoding), errors="replace")
    if kind == "text":
        parsed = parse_text(text, name=name, source=None)
        return DocumentRecord(title=_shortened(parsed.title), text=parsed.text,
                              publisher=publisher_for(parsed.publisher, host), date=parsed.date, url=url)
    import trafilatura

    found = trafilatura.bare_extraction(text, url=url, with_metadata=True, favor_precision=True)
    article = found.as_dict() if found is not None and hasattr(found, "as_dict") else (found or {})
    lines = (line.strip() for line in (article.get("text") or "").splitlines())
    article_text = "\n\n".join(line for line in lines if line)
    if not article_text:
        raise DocumentError("I could not find the text of an article on that page")
    date = None
    published = article.get("date") or ""
    if re.match(r"\d{4}-\d{2}-\d{2}", published):
        date = dt.date.fromisoformat(published[:10])
    title = article.get("title") or title_from_name(name)
    return DocumentRecord(title=_shortened(title), text=article_text, publisher=publisher_for(article.get("sitename"), host),
                          date=date, url=url)


def _capped(record: DocumentRecord, max_chars: int, max_sentences: int) -> dict[str, Any]:
    """The record and its sentence spans, or why it is refused: too much text, too many sentences."""
    if len(record.text) > max_chars:
        return {"too_large": len(record.text)}
    chunks = chunk_text(record.text)
    if len(chunks) > max_sentences:
        return {"too_many_sentences": len(chunks)}
    fields = {"title": record.title, "text": record.text, "publisher": record.publisher, "url": record.url,
              "date": record.date.isoformat() if record.date else None}
    return {"record": fields, "spans": [[c.start, c.end] for c in chunks]}


def _peak_address_space() -> int:
    """This process's peak virtual memory in bytes (0 where /proc is not there to say)."""
    try:
        found = re.search(r"VmPeak:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        return 0
    return int(found.group(1)) * 1024 if found else 0


def _reading(read: Callable[[], DocumentRecord]) -> DocumentRecord | dict[str, Any]:
    """The record, or the refusal as plain data. A parser that ran out of memory under the worker's address-space
    limit may say its file is broken (lxml reports "unknown error"): a failure after this job took the worker to
    its limit is raised as the MemoryError it was."""
    before = _peak_address_space()
    try:
        return read()
    except TextTooLarge:
        return {"too_large": None}
    except DocumentError as error:
        limit, _ = resource.getrlimit(resource.RLIMIT_AS)
        peak = _peak_address_space()
        if limit != resource.RLIM_INFINITY and peak > before and peak >= 0.9 * limit:
            raise MemoryError from error
        return {"refused": str(error)}


def read_upload(args: dict[str, Any], payload: bytes) -> dict[str, Any]:
    """Job: an uploaded file (`filename`, `caption`) into a capped record."""
    record = _reading(lambda: parse_upload(payload, filename=str(args["filename"]), caption=args.get("caption"),
                                           max_chars=int(args["max_chars"])))
    if isinstance(record, dict):
        return record
    return _capped(replace(record, source=None), int(args["max_chars"]), int(args["max_sentences"]))


def read_page(args: dict[str, Any], payload: bytes) -> dict[str, Any]:
    """Job: a fetched page (`url` as fetched, `kind`, declared `encoding`) into a capped record."""
    record = _reading(lambda: page_record(str(args["url"]), str(args["kind"]), payload, args.get("encoding"),
                                          max_chars=int(args["max_chars"])))
    if isinstance(record, dict):
        return record
    return _capped(record, int(args["max_chars"]), int(args["max_sentences"]))


JOBS = {"upload": read_upload, "page": read_page}


def warm_up() -> None:
    """Import and run every parser once (trafilatura's first page costs a third of a second)."""
    import docx  # noqa: F401 - imported now rather than on the first upload
    import pypdf  # noqa: F401

    read_page({"url": "http://warm-up.invalid/", "kind": "html", "max_chars": 10_000, "max_sentences": 100},
              _WARM_UP_PAGE.encode())
    read_upload({"filename": "warm-up.html", "max_chars": 10_000, "max_sentences": 100}, _WARM_UP_PAGE.encode())
