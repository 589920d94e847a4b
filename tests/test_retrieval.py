import numpy as np
import pytest

from bot.search.retrieval import Hit, NotFittedError, TfidfRetriever, _sum_by_row

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


def test_inverted_index_scores_equal_the_dense_product(retriever: TfidfRetriever) -> None:
    """Walking postings gives what the full matrix product gives, scaled by coordination and the bound."""
    query = retriever.parse("former president forces hospital mountains")
    weights = retriever.postings_.T.toarray()  # sentences x terms
    vector = np.zeros(weights.shape[1])
    for concept in query.concepts:
        for term, factor in concept.alternatives:
            vector[term] = factor
    raw = weights @ vector
    matched = (weights[:, vector > 0] > 0).sum(axis=1)
    bound = (retriever.k1 + 1) * sum(c.weight for c in query.concepts)
    expected = raw * matched / len(query.concepts) / bound
    got = {h.chunk_id: h.score for h in retriever.search(query, 4)}
    for doc_id, score in zip(IDS, expected):
        if score > 0:
            assert got[doc_id] == pytest.approx(score, rel=1e-5)
        else:
            assert doc_id not in got


def test_more_matched_concepts_rank_higher() -> None:
    retriever = TfidfRetriever(context_weight=0).fit(
        ["Hostages hostages hostages were mentioned.", "Six hostages were released in the morning."], [1, 2]
    )
    assert [h.chunk_id for h in retriever.search("When were the hostages released?", 2)] == [2, 1]


def test_unknown_words_lower_the_score_not_the_ranking(retriever: TfidfRetriever) -> None:
    known = retriever.search("hostages", 1)[0]
    with_unknown = retriever.search("hostages Everest", 1)[0]
    assert known.chunk_id == with_unknown.chunk_id and with_unknown.score < known.score / 2


def test_neighbours_lend_a_little_context() -> None:
    texts = ["Atambayev spoke to the crowd.", "He admitted taking part in the standoff.", "Weather was mild."]
    alone = TfidfRetriever().fit(texts, [1, 2, 3])
    grouped = TfidfRetriever().fit(texts, [1, 2, 3], groups=[7, 7, 7])
    question = "Did Atambayev take part in the standoff?"
    score_alone = {h.chunk_id: h.score for h in alone.search(question, 3)}[2]
    hits = grouped.search(question, 3)
    assert hits[0].chunk_id == 2 and hits[0].score > score_alone
    assert {h.chunk_id for h in grouped.search("weather", 3)} == {3, 2}  # only its neighbour borrows the word


def test_search_before_fit_is_a_loud_error() -> None:
    with pytest.raises(NotFittedError):
        TfidfRetriever().search("anything")


def test_empty_index_finds_nothing() -> None:
    assert TfidfRetriever().fit([], []).search("anything", 3) == []
    assert TfidfRetriever().fit(["the of"], [1]).search("the", 3) == []


def test_index_keeps_ids_not_texts(retriever: TfidfRetriever) -> None:
    assert np.array_equal(retriever.ids_, IDS)
    assert not hasattr(retriever, "texts_")


def test_postings_are_best_weighted_first() -> None:
    retriever = TfidfRetriever(context_weight=0).fit(
        ["storm storm storm", "a storm in a long sentence with many other words", "storm again"], [1, 2, 3]
    )
    postings = retriever.postings_
    term = retriever.vocabulary_["storm"]
    weights = postings.data[postings.indptr[term]: postings.indptr[term + 1]]
    assert list(weights) == sorted(weights, reverse=True)


def test_a_postings_budget_still_walks_the_rare_terms_whole() -> None:
    texts = [f"common filler sentence number {i}" for i in range(2000)] + ["common words beside the zebra"]
    ids = list(range(1, len(texts) + 1))
    exact = TfidfRetriever(context_weight=0).fit(texts, ids)
    budgeted = TfidfRetriever(context_weight=0, max_postings=100).fit(texts, ids)
    question = "common zebra"
    assert budgeted.search(question, 1)[0].chunk_id == exact.search(question, 1)[0].chunk_id == len(texts)
    assert len(budgeted.search("common", 500)) <= 100  # the common term alone is cut to the budget
    assert len(exact.search("common", 5000)) == len(texts)


def test_scores_add_up_per_sentence_as_a_plain_sum_would() -> None:
    """The one-sort merge of postings (row and weight packed in one integer) against a dictionary sum."""
    rng = np.random.default_rng(7)
    rows = rng.integers(0, 5_000, 20_000).astype(np.int64)
    values = rng.random(20_000).astype(np.float32) * 9
    values[:50] = 0.0  # a zero weight is still a posting
    expected: dict[int, list[float]] = {}
    for row, value in zip(rows.tolist(), values.tolist()):
        expected.setdefault(row, []).append(value)
    got_rows, sums, counts = _sum_by_row(rows, values)
    assert got_rows.tolist() == sorted(expected)
    assert counts.tolist() == [len(expected[r]) for r in sorted(expected)]
    assert np.allclose(sums, [sum(expected[r]) for r in sorted(expected)], rtol=1e-6)
