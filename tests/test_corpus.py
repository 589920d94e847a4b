import datetime as dt
from pathlib import Path

import pytest

from bot.corpus.documents import DocumentError, list_files, parse_text, read_file

from .conftest import AFP_FILE, RT_FILE


def test_header_fields_are_metadata_not_text() -> None:
    record = parse_text(
        "---\ntitle: A title\npublisher: RT\ndate: 2019-08-08\nurl: https://example.org/a\n---\nBody text here.\n",
        name="x.txt",
    )
    assert (record.title, record.publisher, record.date, record.url) == (
        "A title", "RT", dt.date(2019, 8, 8), "https://example.org/a",
    )
    assert record.text == "Body text here."


def test_without_header_the_file_name_is_the_title() -> None:
    record = parse_text("Just text.", name="koi-tash_report.txt")
    assert record.title == "Koi tash report"
    assert record.publisher is None and record.date is None


def test_leading_date_token_is_taken_as_the_date() -> None:
    record = parse_text(" date 2019-08-07 A Kyrgyz officer was killed.", name="seed.txt")
    assert record.date == dt.date(2019, 8, 7)
    assert record.text == "A Kyrgyz officer was killed."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "no text"),
        ("   \n\n ", "no text"),
        ("---\ntitle: Only a header\n---\n", "no text"),
        ("---\ndate: yesterday\n---\nText.", "not a date"),
        ("---\nauthor: me\n---\nText.", "header line"),
        ("---\nurl: javascript:alert(1)\n---\nText.", "not an http"),
    ],
)
def test_bad_documents_say_why(raw: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        parse_text(raw, name="bad.txt")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8"):
        read_file(path)


def test_corpus_files_have_their_metadata() -> None:
    rt, afp = read_file(RT_FILE), read_file(AFP_FILE)
    assert rt.publisher == "RT" and rt.date == dt.date(2019, 8, 8)
    assert afp.date == dt.date(2019, 8, 7) and not afp.text.startswith("date")
    assert "Koi-Tash" in afp.text


def test_list_files_skips_readme_hidden_and_other_types(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "README.md", ".hidden.txt", "notes.pdf"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in list_files(tmp_path)] == ["a.md", "b.txt"]


def test_html_upload_keeps_inline_words_together_and_drops_page_furniture() -> None:
    from bot.corpus.documents import parse_upload

    page = (
        "<html><head><title>Raid report</title><meta property='og:site_name' content='Wire'>"
        "<meta property='article:published_time' content='2019-08-08T10:00:00Z'></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Raid fails</h1><p>The <b>second</b> raid on "
        "<a href='/x'>Koi-Tash</a> began at dawn.</p><p>Supporters held the gates.</p></article>"
        "<footer>Cookie notice: we use cookies.</footer><script>var x = 1;</script></body></html>"
    )
    record = parse_upload(page.encode(), filename="raid.html")
    assert (record.title, record.publisher, record.date) == ("Raid report", "Wire", dt.date(2019, 8, 8))
    assert "The second raid on Koi-Tash began at dawn." in record.text
    assert "Supporters held the gates." in record.text
    assert "Cookie" not in record.text and "Home" not in record.text and "var x" not in record.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"title: {'T' * 301}\nThe raid failed.", "title is 301 characters long; the limit is 300"),
        (f"title: ok | publisher: {'P' * 201}\nThe raid failed.", "publisher is 201 characters"),
        ("https://example.org/raid", "link"),
    ],
)
def test_pasted_documents_with_unstorable_metadata_are_refused(text: str, reason: str) -> None:
    from bot.corpus.documents import parse_pasted

    with pytest.raises(DocumentError, match=reason):
        parse_pasted(text)


def test_nul_bytes_anywhere_make_an_upload_binary() -> None:
    from bot.corpus.documents import parse_upload

    with pytest.raises(DocumentError, match="binary"):
        parse_upload(b"The raid failed. " * 600 + b"\x00 tail", filename="late-nul.txt")
