"""Hostile documents the tests build themselves, small on disk: the issue's findings in miniature."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
import zlib


def _pdf(objects: list[bytes]) -> bytes:
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n" % (len(packed), extra) + packed + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def heavy_form_pdf(calls: int = 5000, operations: int = 2000) -> bytes:
    """Finding 3: one page drawing one heavy form `calls` times; pypdf reads the form again for each call
    (about 30 ms each here: minutes of CPU in under a kilobyte)."""
    form = b"BT /F1 12 Tf " + b"(x) Tj " * operations + b"ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 6 0 R >> /XObject << /Fm0 5 0 R >> >> >>",
        _stream(b"/Fm0 Do\n" * calls),
        _stream(form, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 6 0 R >> >>"),
        _FONT,
    ])


def shared_stream_pdf(pages: int = 5, megabytes: float = 1.0) -> bytes:
    """Finding 4: `pages` pages sharing one content stream of `megabytes` of text (a few KB on disk)."""
    line = b"(The quick brown fox jumps over the lazy dog again and again.) Tj T* "
    content = b"BT /F1 12 Tf 14 TL " + line * int(megabytes * 1e6 / len(line)) + b"ET"
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
               _stream(content)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + pages)] * pages
    return _pdf([*objects, _FONT])


def empty_paragraphs_docx(megabytes: int = 40, padding: int = 1_000_000) -> bytes:
    """Finding 2: a Word file of millions of empty paragraphs, padded with incompressible bytes so that it passes
    the "at most 50 times its size" bomb check (about 1 MB on disk)."""
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + b"<w:p/>" * (megabytes * 1_000_000 // 6) + b"</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                         'vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
                         'main+xml"/></Types>')
        archive.writestr("_rels/.rels",
                         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                         '.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                         '</Relationships>')
        archive.writestr("word/document.xml", body)
        archive.writestr(zipfile.ZipInfo("media/noise.bin"), os.urandom(padding))
    return buffer.getvalue()


def tiny_elements_page(megabytes: float = 1.0) -> bytes:
    """Finding 5: a page of tiny elements, which trafilatura reads in more than quadratic time."""
    return (b"<html><head><title>Tiny</title></head><body>" + b"<p>a</p>" * int(megabytes * 1e6 / 8)
            + b"</body></html>")


def stacked_gzip(megabytes: int = 200) -> bytes:
    """Finding 1: zeros, gzipped twice (a few KB for hundreds of MB)."""
    zeros = zlib.compressobj(9, zlib.DEFLATED, 31)
    once = b"".join(zeros.compress(b"\0" * 1_000_000) for _ in range(megabytes)) + zeros.flush()
    return gzip.compress(once, 9)


def gzip_bomb(megabytes: int = 200) -> bytes:
    """One gzip layer of zeros (about 1 KB per MB)."""
    zeros = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(zeros.compress(b"\0" * 1_000_000) for _ in range(megabytes)) + zeros.flush()
