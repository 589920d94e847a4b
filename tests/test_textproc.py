from bot.search.textproc import analyze, normalize, words


def test_typographic_apostrophes_and_quotes_match_plain_ones() -> None:
    assert normalize("Atambayev’s “campaign”") == normalize("Atambayev's \"campaign\"")
    assert analyze("the building’s gate") == analyze("the building's gate")


def test_accents_case_and_invisible_marks_are_folded() -> None:
    assert normalize("Café\u200b ÉLYSÉE") == "cafe elysee"


def test_possessives_are_dropped_and_stems_shared() -> None:
    assert words("Atambayev's supporters") == ["atambayev", "supporters"]
    assert analyze("supporters stormed") == analyze("supporter storming")


def test_stop_words_are_not_terms() -> None:
    assert analyze("who is the") == []


def test_a_stop_word_written_as_an_acronym_is_a_name() -> None:
    """"UN", "US", "WHO" are names in capitals; as a question's only other word they must count, or "What did the
    UN say about the clashes?" is read as "what did ... say about the clashes" and answered."""
    assert analyze("What did the UN say?") == ["un", "say"]
    assert analyze("the US embassy") == ["us", "embassi"]
    assert analyze("tell us more") == ["tell"]
    assert analyze("WHAT DID THE UN SAY") == ["say"]  # a shouted text has no acronyms


def test_a_question_about_an_acronym_the_corpus_never_uses_is_declined() -> None:
    from bot.answers.answering import Answerer
    from bot.corpus.records import ChunkRow, DocumentRef
    from bot.search import KnowledgeBase

    rows = [ChunkRow(1, 1, 0, "Clashes broke out in the evening at the compound.")]
    answerer = Answerer(KnowledgeBase.build(rows, {1: DocumentRef(1, "Report")}))
    assert not answerer.answer("What did the UN say about the clashes?").answered
    assert answerer.answer("What happened during the clashes?").answered
