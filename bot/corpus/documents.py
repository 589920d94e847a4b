"""Reading documents (corpus files, uploads, pasted text) into records.

A document may start with a metadata header between two `---` lines:

    ---
    title: Kyrgyz special forces storm Atambayev's mansion again
    publisher: RT
    date: 2019-08-08
    url: https://example.org/story   (optional)
    ---
    The article text...

Every key is optional. Without a title the file name is the title. A body that
starts with the token `date YYYY-MM-DD` (as some scraped files do) has that
token taken as the date rather than as text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md")
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
# files in corpus/ that are not documents
RESERVED_NAMES = frozenset({"readme.md", "readme.txt", "synonyms.txt", "loanwords.txt"})
HEADER_KEYS = ("title", "publisher", "date", "url")
_DATE_TOKEN = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_HEADER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_URL = re.compile(r"https?://\S+\Z")
# Longest metadata a document may carry (the database columns are wider; a source line must stay readable).
MAX_TITLE_CHARS = 300
MAX_PUBLISHER_CHARS = 200
MAX_URL_CHARS = 2000
# Terminal escape sequences (colours, cursor moves, OSC 52 clipboard writes), then any other C0 or C1 control
# character except tab and newline; NUL is left for the binary-data check. Each pattern is linear.
_ESCAPE_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-_]?")
_CONTROL = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")


class DocumentError(ValueError):
    """A document that cannot be read; the message says why in plain words."""


class TextTooLarge(DocumentError):
    """A document whose extracted text is over the limit (its reason is worded by the caller, who knows it)."""


def without_controls(text: str) -> str:
    """The text without terminal escape sequences and control characters (tab and newline kept), so that
    nothing taken in can colour, move or write to the clipboard of a terminal that prints it."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


@dataclass(frozen=True)
class DocumentRecord:
    """A parsed document, ready to be stored and chunked."""

    title: str
    text: str
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        """Take in text without control characters, and refuse what no database column or chat message should
        hold, the same way on every database."""
        for name in ("title", "text", "publisher"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, without_controls(value))
        if not self.text.strip():
            raise DocumentError("it has no text")
        for label, value, limit in (("title", self.title, MAX_TITLE_CHARS),
                                    ("publisher", self.publisher, MAX_PUBLISHER_CHARS),
                                    ("url", self.url, MAX_URL_CHARS)):
            if value is not None and len(value) > limit:
                raise DocumentError(f"its {label} is {len(value):,} characters long; the limit is {limit:,}")
            if value is not None and "\x00" in value:
                raise DocumentError(f"its {label} holds a NUL character")
        if "\x00" in self.text:
            raise DocumentError("it holds NUL characters, so it is binary data, not text")

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    """Identity of a document's text: the same words are the same document, whatever the metadata."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DocumentError(f"the date {value.strip()!r} is not a date like 2019-08-07") from exc


def _parse_header(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in HEADER_KEYS:
            raise DocumentError(
                f"the header line {line.strip()!r} is not one of {', '.join(k + ':' for k in HEADER_KEYS)}"
            )
        fields[key] = value.strip()
    return fields


def title_from_name(name: str) -> str:
    stem = Path(name).stem
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled document"


def parse_text(raw: str, *, name: str, source: str | None = None) -> DocumentRecord:
    """Parse a document's text (header optional) into a record."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    fields: dict[str, str] = {}
    body = raw
    match = _HEADER.match(raw)
    if match:
        fields = _parse_header(match.group(1))
        body = raw[match.end():]
    token = _DATE_TOKEN.match(body)
    if token:
        fields.setdefault("date", token.group(1))
        body = body[token.end():]
    body = body.strip()
    if not body:
        raise DocumentError("it has no text")
    date = _parse_date(fields["date"]) if fields.get("date") else None
    url = fields.get("url") or None
    if url and not _URL.match(url):
        raise DocumentError(f"the url {url[:100]!r} is not an http(s) address")
    return DocumentRecord(
        title=fields.get("title") or title_from_name(name),
        publisher=fields.get("publisher") or None,
        date=date,
        url=url,
        text=body,
        source=source if source is not None else name,
    )


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError("it is not UTF-8 text") from exc


def read_file(path: Path, *, source: str | None = None) -> DocumentRecord:
    """Read one corpus file; raises DocumentError with a reason a person can act on."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"only {', '.join(SUPPORTED_SUFFIXES)} files are read")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"it cannot be read ({exc.strerror})") from exc
    return parse_text(decode(data), name=path.name, source=source or path.name)


def list_files(folder: Path) -> list[Path]:
    """The corpus files in a folder (not recursive, sorted; hidden files, README, synonyms.txt and loanwords.txt skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith(".")
        and p.name.lower() not in RESERVED_NAMES
    )


_INLINE_FIELD = re.compile(r"^\s*(title|publisher|date|url)\s*:", re.IGNORECASE)


def parse_inline_header(line: str) -> dict[str, str]:
    """Metadata on one line, as a caption or the first line of pasted text:
    `title: Raid report | publisher: AKIpress | date: 2019-08-08 | url: https://...`"""
    fields: dict[str, str] = {}
    for part in line.split("|"):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip().lower()
        if not sep or key not in HEADER_KEYS:
            raise DocumentError(f"{part.strip()!r} is not one of {', '.join(k + ':' for k in HEADER_KEYS)}")
        fields[key] = value.strip()
    return fields


def _with_fields(record: DocumentRecord, fields: dict[str, str]) -> DocumentRecord:
    if not fields:
        return record
    date = _parse_date(fields["date"]) if fields.get("date") else record.date
    url = fields.get("url") or record.url
    if url and not _URL.match(url):
        raise DocumentError(f"the url {url[:100]!r} is not an http(s) address")
    return DocumentRecord(
        title=fields.get("title") or record.title,
        text=record.text,
        publisher=fields.get("publisher") or record.publisher,
        date=date,
        url=url,
        source=record.source,
    )


def parse_pasted(text: str, *, name: str = "Pasted text") -> DocumentRecord:
    """Text sent after /add: a `---` header, or metadata on the first line, or just the article."""
    text = text.strip()
    if _URL.match(text):
        raise DocumentError("I can't fetch pages from a link yet; paste the article's text, or send it as a "
                            ".txt or .html file")
    first, _, rest = text.partition("\n")
    if _INLINE_FIELD.match(first):
        return replace(_with_fields(parse_text(rest, name=name), parse_inline_header(first)), source=None)
    return replace(parse_text(text, name=name), source=None)


_DROPPED = "//script|//style|//noscript|//nav|//header|//footer|//aside|//form|//template|//iframe|//svg"
_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table blockquote section article pre dd dt dl figcaption hr".split()
)


def html_to_record(markup: bytes, *, name: str) -> DocumentRecord:
    """An HTML page's readable text, with title, publisher, date and url from its head when present.

    lxml builds the tree in C: about 34 MB of memory per MB of tag-dense HTML (BeautifulSoup's html.parser
    took 117 MB, 18 times as long)."""
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.document_fromstring(markup, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError("it has no text") from exc

    def meta(*names: str) -> str | None:
        for meta_name in names:
            for value in tree.xpath("//meta[@property=$n or @name=$n]/@content", n=meta_name):
                if isinstance(value, str) and value.strip():
                    return " ".join(value.split())
        return None

    page_title = " ".join((tree.findtext(".//title") or "").split())
    title = meta("og:title") or page_title or None
    publisher = meta("og:site_name", "publisher")
    published = meta("article:published_time", "date", "pubdate")
    url = meta("og:url")
    for element in tree.xpath(_DROPPED):
        element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    articles = tree.xpath("//article")
    root = articles[0] if articles else tree
    paragraphs = (" ".join(line.split()) for line in root.text_content().splitlines())
    text = "\n\n".join(p for p in paragraphs if p)
    if not text.strip():
        raise DocumentError("it has no text")
    date = None
    if published and re.match(r"\d{4}-\d{2}-\d{2}", published):
        date = _parse_date(published[:10])
    if url and (not _URL.match(url) or len(url) > MAX_URL_CHARS):
        url = None
    return DocumentRecord(title=title or title_from_name(name), text=text, publisher=publisher, date=date, url=url)


def parse_upload(data: bytes, *, filename: str, caption: str | None = None,
                 max_chars: int | None = None) -> DocumentRecord:
    """A file an admin sent: type checked by name and content, UTF-8 only; caption metadata wins. A PDF stops
    being read once its text passes `max_chars` (TextTooLarge)."""
    name = Path(filename.replace("\\", "/")).name or "upload.txt"
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise DocumentError(f"only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    if suffix in (".pdf", ".docx"):
        from bot.corpus import formats

        try:
            extracted = formats.pdf_text(data, max_chars) if suffix == ".pdf" else formats.docx_text(data)
        except formats.TooMuchText as error:
            raise TextTooLarge(str(error)) from error
        except formats.FormatError as error:
            raise DocumentError(str(error)) from error
        record = DocumentRecord(title=extracted.title or title_from_name(name), text=extracted.text)
        return _with_fields(record, _caption_fields(caption))
    if b"\x00" in data:
        raise DocumentError("it is a binary file, not text")
    text = decode(data)
    if suffix in (".html", ".htm"):
        record = html_to_record(text.encode("utf-8"), name=name)
    else:
        record = replace(parse_text(text, name=name), source=None)
    return _with_fields(record, _caption_fields(caption))


def _caption_fields(caption: str | None) -> dict[str, str]:
    """Metadata from an upload's caption (`title: … | publisher: …`, after an optional /add)."""
    caption = (caption or "").strip()
    if caption.lower().startswith("/add"):
        caption = caption.split(maxsplit=1)[1] if len(caption.split(maxsplit=1)) > 1 else ""
    return parse_inline_header(caption) if caption else {}
