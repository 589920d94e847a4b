"""PDF and Word uploads, from files the test builds itself: read when they hold text, refused with a reason
when they are broken, encrypted, image-only or a compressed bomb."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from bot.corpus.documents import DocumentError, parse_upload

LINES = ["The raid on Koi-Tash began at dawn.", "Supporters held the gates until noon."]


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF with a text layer, written by hand (offsets and all)."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    if title is None:
        return out
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out)))
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def rewritten(pdf: bytes, *, password: str | None = None, blank: bool = False) -> bytes:
    writer = PdfWriter() if blank else PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if blank:
        writer.add_blank_page(612, 792)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(paragraphs: list[str], title: str | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_pdf_with_text_is_read_with_its_title_and_caption() -> None:
    record = parse_upload(make_pdf(LINES, title="Dawn raid"), filename="raid.pdf")
    assert record.title == "Dawn raid" and "The raid on Koi-Tash began at dawn." in record.text
    captioned = parse_upload(make_pdf(LINES), filename="raid.pdf", caption="title: Wire copy | publisher: Wire")
    assert (captioned.title, captioned.publisher) == ("Wire copy", "Wire")
    assert parse_upload(make_pdf(LINES), filename="raid-report.pdf").title == "Raid report"


def test_a_docx_is_read_paragraph_by_paragraph() -> None:
    record = parse_upload(make_docx(LINES, title="Word copy"), filename="raid.docx")
    assert record.title == "Word copy" and record.text == "\n\n".join(LINES)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", rewritten(make_pdf(LINES), password="secret"), "encrypted"),
        ("scan.pdf", rewritten(b"", blank=True), "no text layer"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a PDF", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "not a readable Word document"),
        ("empty.docx", make_docx([]), "no text"),
    ],
)
def test_unreadable_documents_are_refused_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        parse_upload(data, filename=name)


def test_a_compressed_bomb_is_refused_before_it_is_opened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * 60_000_000)
    with pytest.raises(DocumentError, match="compressed bomb"):
        parse_upload(buffer.getvalue(), filename="bomb.docx")


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".pdf", ".docx"]))
def test_any_bytes_named_pdf_or_docx_are_read_or_refused_cleanly(data: bytes, suffix: str) -> None:
    for payload in (data, b"%PDF-1.4\n" + data, b"PK\x03\x04" + data):
        try:
            record = parse_upload(payload, filename="upload" + suffix)
        except DocumentError:
            continue
        assert record.text.strip()
