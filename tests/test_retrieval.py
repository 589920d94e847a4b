import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from bot.retrieval import Hit, NotFittedError, TfidfRetriever

DOCS = [
    "Special forces stormed the mansion of the former president.",
    "The health ministry said 36 people were admitted to hospital.",
    "Supporters took six servicemen as hostages.",
    "The weather in the mountains was mild.",
]
IDS = [10, 20, 30, 40]


@pytest.fixture
def retriever() -> TfidfRetriever:
    return TfidfRetriever().fit(DOCS, IDS)


def test_best_sentence_ranks_first(retriever: TfidfRetriever) -> None:
    assert retriever.search("How many people were admitted to hospital?", 2)[0].chunk_id == 20
    [hit] = retriever.search("hostages", 1)
    assert hit.chunk_id == 30 and 0 < hit.score <= 1
    assert retriever.search("Who stormed the mansion?", 1)[0].chunk_id == 10


def test_results_are_typed_sorted_and_limited(retriever: TfidfRetriever) -> None:
    hits = retriever.search("forces hospital hostages weather", 3)
    assert len(hits) == 3 and all(isinstance(h, Hit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_unknown_words_find_nothing(retriever: TfidfRetriever) -> None:
    assert retriever.search("Mona Lisa painter", 5) == []
    assert retriever.search("the of and", 5) == []


def test_inverted_index_scores_equal_cosine_similarity(retriever: TfidfRetriever) -> None:
    query = "former president forces hospital"
    matrix = retriever.vectorizer_.transform(DOCS)
    expected = cosine_similarity(retriever.vectorizer_.transform([query]), matrix)[0]
    got = {h.chunk_id: h.score for h in retriever.search(query, 4)}
    for doc_id, score in zip(IDS, expected):
        if score > 0:
            assert got[doc_id] == pytest.approx(score, abs=1e-5)
        else:
            assert doc_id not in got


def test_search_before_fit_is_a_loud_error() -> None:
    with pytest.raises(NotFittedError):
        TfidfRetriever().search("anything")


def test_empty_index_finds_nothing() -> None:
    assert TfidfRetriever().fit([], []).search("anything", 3) == []
    assert TfidfRetriever().fit(["the of"], [1]).search("the", 3) == []


def test_index_keeps_ids_not_texts(retriever: TfidfRetriever) -> None:
    assert np.array_equal(retriever.ids_, IDS)
    assert not hasattr(retriever, "texts_")
