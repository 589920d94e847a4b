"""Property-based: whatever Unicode arrives (control characters, zero-width and right-to-left marks, emoji,
10,000-character text, text that looks like HTML or Markdown), answering never raises and every reply is
valid Telegram HTML within Telegram's limits."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers.answering import Answerer, EmptyQuestion, Passage
from bot.chat import texts as chat_texts
from bot.corpus.documents import DocumentError, parse_pasted, parse_upload
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.service import QAService
from bot.telegram.admin import texts as admin_texts

from .botapi import parse_html, utf16_len

TRICKY = st.sampled_from([
    "<b>", "</i>", "<script>alert(1)</script>", "&amp;", "&", "&#x1F600;", "<a href=\"x\">", "**bold**", "_it_",
    "`code`", "[link](http://x)", "\u200b", "\u200f", "\u202e", "\u0000", "\x1b[31m", "😀", "👍🏽", "🇰🇬", "\ufeff",
    "Koi-Tash", "Atambayev", "hostages", "\n", "\t", " ",
])
TEXT = st.lists(st.one_of(st.text(max_size=40), TRICKY), max_size=40).map("".join)
LONG = st.builds(lambda piece, n: (piece * n)[:10_000], st.one_of(TRICKY, st.text(min_size=1, max_size=5)),
                 st.integers(min_value=1, max_value=10_000))


def assert_valid(html: str) -> None:
    visible = parse_html(html)
    assert visible.strip() and utf16_len(visible) <= 4096


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.one_of(TEXT, LONG))
def test_any_question_gets_a_valid_reply(seed_service: QAService, question: str) -> None:
    try:
        answer = seed_service.answer(question)
    except EmptyQuestion:
        assert_valid(chat_texts.empty_question())
        return
    for part in chat_texts.answer_messages(answer, sources=2):
        assert_valid(part)
    assert_valid(chat_texts.too_long(500))


@settings(max_examples=150, deadline=None)
@given(quote=st.one_of(TEXT, LONG), title=TEXT, publisher=st.one_of(st.none(), TEXT),
       url=st.one_of(st.none(), st.builds(lambda t: "https://example.org/" + t, TEXT)))
def test_any_document_text_is_quoted_safely(quote: str, title: str, publisher: str | None, url: str | None) -> None:
    document = DocumentRef(1, title or "Untitled", publisher, dt.date(2019, 8, 7), url)
    passage = Passage(quote or "x", 0.5, 1, document)
    for part in chat_texts.more_passages([passage, passage]):
        assert_valid(part)
    rows = [ChunkRow(1, 1, 0, quote or "x"), ChunkRow(2, 1, 1, title or "y")]
    for part in chat_texts.context_html(rows, 1, document):
        assert_valid(part)
    assert_valid(chat_texts.sources_list([document]))
    assert_valid(admin_texts.documents_table([(document, 3, False)]))
    assert_valid(admin_texts.document_added(1, document, 3, quote[:200] or None))


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.one_of(TEXT, LONG), min_size=1, max_size=4), question=TEXT)
def test_any_corpus_can_be_indexed_and_asked(texts: list[str], question: str) -> None:
    rows = [ChunkRow(i + 1, 1, i, t) for i, t in enumerate(texts) if t.strip()]
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")})
    try:
        answer = Answerer(knowledge).answer(question)
    except EmptyQuestion:
        return
    for part in chat_texts.answer_messages(answer, sources=1):
        assert_valid(part)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=3000), name=st.one_of(TEXT, st.sampled_from(["../../x.txt", "a/b.md", "..", "x.html"])),
       caption=st.one_of(st.none(), TEXT))
def test_any_upload_is_parsed_or_refused_cleanly(data: bytes, name: str, caption: str | None) -> None:
    try:
        record = parse_upload(data, filename=name, caption=caption)
    except DocumentError as error:
        assert_valid(admin_texts.document_refused(str(error)))
        return
    assert record.text.strip()
    try:
        parse_pasted(record.text)
    except DocumentError:
        pass
