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
