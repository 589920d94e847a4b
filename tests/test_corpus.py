import datetime as dt
from pathlib import Path

import pytest

from bot.corpus import DocumentError, list_files, parse_text, read_file

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
