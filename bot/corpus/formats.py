"""Text out of PDF (pypdf) and Word .docx (python-docx) uploads, with a plain reason for each refusal.

Both formats are compressed, so the uncompressed size is checked before anything is parsed: a small file that
would expand a hundredfold is refused, not opened.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_EXPANSION = 50  # uncompressed size of a .docx at most this many times the upload, and at most 100 MB
MAX_EXPANDED_BYTES = 100 * 1024 * 1024


class FormatError(ValueError):
    """A file that cannot be read; the message says why in plain words."""


class TooMuchText(FormatError):
    """The text read so far is over the caller's limit; reading stopped there."""


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str | None = None


def pdf_text(data: bytes, max_chars: int | None = None) -> Extracted:
    """The text layer of a PDF, a paragraph a page; its title from the document information when set. Reading
    stops with TooMuchText as soon as the pages read so far hold more than `max_chars` characters (pages can
    share one huge content stream)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError("it is an encrypted PDF; send it without a password")
        pages: list[str] = []
        read = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            read += len(pages[-1])
            if max_chars is not None and read > max_chars:
                raise TooMuchText(f"its text is over {max_chars:,} characters")
        title = reader.metadata.title if reader.metadata is not None else None
    except (FormatError, MemoryError):
        raise
    except (PdfReadError, PyPdfError) as error:
        raise FormatError("it is not a readable PDF") from error
    except Exception as error:  # noqa: BLE001 - untrusted bytes: any parser failure is a refusal, not a crash
        raise FormatError("it is not a readable PDF") from error
    text = "\n\n".join(" ".join(page.split()) for page in pages if page.strip())
    if not text:
        raise FormatError("its PDF has no text layer (a scanned image?); send the text instead")
    return Extracted(text, title.strip() if isinstance(title, str) and title.strip() else None)


def docx_text(data: bytes) -> Extracted:
    """The paragraphs of a Word document, a paragraph each; its title from the document properties when set."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormatError("it is not a readable Word document") from error
    if expanded > min(MAX_EXPANSION * len(data), MAX_EXPANDED_BYTES):
        raise FormatError("it would expand to far more than its size; it looks like a compressed bomb")
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as error:
        raise FormatError("it is not a readable Word document") from error
    except MemoryError:
        raise  # the worker's address-space limit: reported as such, not as a broken file
    except Exception as error:  # noqa: BLE001 - untrusted bytes: any parser failure is a refusal, not a crash
        raise FormatError("it is not a readable Word document") from error
    paragraphs = [" ".join(p.text.split()) for p in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p)
    if not text:
        raise FormatError("it has no text")
    title = document.core_properties.title
    return Extracted(text, title.strip() if title and title.strip() else None)
