import datetime as dt

import pytest

from bot.answers.answering import Answerer, EmptyQuestion
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.service import QAService

DOCS = {
    1: DocumentRef(1, "Raid report", "Agency", dt.date(2019, 8, 7), None),
    2: DocumentRef(2, "Second raid", "RT", dt.date(2019, 8, 8), "https://example.org/x"),
}
ROWS = [
    ChunkRow(100, 1, 0, "The health ministry said 36 people were admitted to hospital."),
    ChunkRow(101, 1, 1, "He has ignored three police summons."),
    ChunkRow(200, 2, 0, "Armed troops returned to the mansion of the former president."),
]


def make(threshold: float | None = None) -> Answerer:
    return Answerer(KnowledgeBase.build(ROWS, DOCS), threshold=threshold, top_k=3)


def test_answer_quotes_the_sentence_with_its_source() -> None:
    answer = make().answer("How many people were admitted to hospital?")
    assert answer.answered
    best = answer.passages[0]
    assert best.quote == ROWS[0].text and best.chunk_id == 100 and best.document == DOCS[1]
    assert answer.to_dict()["passages"][0]["document"] == {
        "id": 1, "title": "Raid report", "publisher": "Agency", "date": "2019-08-07", "url": None,
    }


def test_unrelated_question_is_declined() -> None:
    answer = make().answer("Who painted the Mona Lisa?")
    assert not answer.answered and answer.reason == "no_match"


def test_a_threshold_of_zero_answers_whatever_comes_first() -> None:
    """The threshold is the model's probability: at 0 the best candidate is always quoted, at 1 never."""
    assert make(threshold=0.0).answer("Who is the mayor of the ministry?").answered
    assert not make(threshold=1.0).answer("How many people were admitted to hospital?").answered


def test_weak_match_below_threshold_is_declined_but_candidates_kept() -> None:
    answer = make(threshold=0.99).answer("Did the troops return?")
    assert not answer.answered and answer.passages and answer.passages[0].chunk_id == 200


def test_question_mostly_about_words_the_corpus_never_uses_is_declined() -> None:
    """"mayor" is unknown and weighs as the rarest word, so half the question is absent: the answer model declines
    it (no hand rule says so any more: the unknown share is one of its features), while a question whose unknown
    word is the smaller part is answered."""
    answerer = make()
    mostly_unknown = answerer.answer("Who is the mayor of the ministry?")
    assert mostly_unknown.passages and mostly_unknown.passages[0].chunk_id == 100
    assert not mostly_unknown.answered and mostly_unknown.reason == "no_match"
    partly_unknown = answerer.answer("How many people did the health ministry admit to the clinic?")
    assert partly_unknown.answered and partly_unknown.passages[0].chunk_id == 100


def test_an_everyday_word_the_corpus_never_uses_weighs_less_than_a_name() -> None:
    """"got" is unknown to this corpus but among the commonest English words: it does not outweigh "hurt".
    "mayor" is unknown and rarer in everyday English: the question is still mostly about something else."""
    from bot.search.commonness import weight_factor

    assert weight_factor("got") < 0.3 and weight_factor("mayor") == 1.0 and weight_factor("atambayev") == 1.0
    rows = [ChunkRow(1, 1, 0, "Thirty-six people were hurt in the clashes."),
            ChunkRow(2, 1, 1, "The village is quiet.")]
    answerer = Answerer(KnowledgeBase.build(rows, DOCS), top_k=3)
    assert answerer.answer("how many got hurt").answered
    assert not answerer.answer("who is the mayor of the village").answered


def test_a_figure_question_no_passage_answers_with_a_figure_is_declined() -> None:
    """"How many" wants a figure: when none of the best passages states one beyond the question's own, they
    do not answer it, however well their words match (learned: a new figure is one of the model's features)."""
    rows = [ROWS[1], ROWS[2], ChunkRow(102, 1, 2, "The ministry said the village was calm in the evening.")]
    answerer = Answerer(KnowledgeBase.build(rows, DOCS), top_k=3)
    no_figure = answerer.answer("How many troops returned to the mansion?")
    assert no_figure.passages[0].chunk_id == 200 and not no_figure.answered
    own_figure = answerer.answer("How many times did he ignore the three police summons?")
    assert own_figure.passages[0].chunk_id == 101 and not own_figure.answered
    with_figure = answerer.answer("How many police summons did he ignore?")
    assert with_figure.answered and with_figure.passages[0].chunk_id == 101


@pytest.mark.parametrize("question", ["", "   ", "?!"])
def test_empty_question_is_an_error(question: str) -> None:
    with pytest.raises(EmptyQuestion):
        make().answer(question)


def test_no_documents_is_its_own_reason() -> None:
    answer = Answerer(KnowledgeBase.build([], {})).answer("anything?")
    assert not answer.answered and answer.reason == "no_documents"


def test_neighbours_come_from_the_same_document() -> None:
    knowledge = KnowledgeBase.build(ROWS, DOCS)
    assert [r.chunk_id for r in knowledge.neighbours(100)] == [100, 101]
    assert [r.chunk_id for r in knowledge.neighbours(200)] == [200]


def test_seed_corpus_answers_the_hospital_question(seed_service: QAService) -> None:
    answer = seed_service.answer("How many people were admitted to hospital?")
    assert answer.answered and "36 people" in answer.passages[0].quote


@pytest.mark.parametrize(
    "question",
    ["Who painted the Mona Lisa?", "What is the capital of France?", "How do I bake sourdough bread?"],
)
def test_seed_corpus_declines_what_it_cannot_answer(seed_service: QAService, question: str) -> None:
    assert not seed_service.answer(question).answered


def test_two_sources_with_figures_are_both_shown(seed_service: QAService) -> None:
    from bot.chat import html, texts
    from bot.telegram.admin import texts as admin_texts

    answer = seed_service.answer("How many people were hurt in the clashes?")
    quotes = " ".join(p.quote for p in answer.shown)
    assert answer.answered and "36 people" in quotes and "over 50 injured" in quotes
    assert len({p.document.id for p in answer.shown}) == 2
    assert answer.to_dict()["passages"][0]["quote"] == answer.shown[0].quote  # JSON keeps the best first
    reply = "\n".join(texts.answer_messages(answer, sources=2))
    assert reply.count("<blockquote>") == 2
    # 36 people admitted to hospital with injuries and over 50 injured: two counts of the hurt, and they differ
    assert answer.sources_differ and "My sources give different figures" in reply


def test_different_figures_only_for_counts_of_the_same_thing() -> None:
    docs = {1: DocumentRef(1, "A"), 2: DocumentRef(2, "B")}
    rows = [ChunkRow(1, 1, 0, "Rebels took six servicemen as hostages at the compound."),
            ChunkRow(2, 2, 0, "Around 500 supporters of the rebels broke through police cordons at the compound."),
            ChunkRow(3, 2, 1, "The rebels were holding eight hostages, officials said.")]
    answerer = Answerer(KnowledgeBase.build(rows, docs))
    answer = answerer.answer("How many hostages did the rebels take?")
    assert answer.sources_differ and {p.chunk_id for p in answer.shown} == {1, 3}
    reply = "\n".join(__import__("bot.chat.texts", fromlist=["x"]).answer_messages(answer, sources=2))
    assert "different figures" in reply and "500" not in reply
    alone = Answerer(KnowledgeBase.build(rows[:2], docs))
    answer = alone.answer("How many hostages did the rebels take?")
    assert not answer.sources_differ and [p.chunk_id for p in answer.shown] == [1]  # 500 supporters: no hostages


def test_one_source_answer_shows_one_quote(seed_service: QAService) -> None:
    answer = seed_service.answer("Who is Kursan Asanov?")
    assert answer.answered and len(answer.shown) == 1 and not answer.sources_differ


def test_a_quote_is_shown_with_the_rest_of_its_quotation() -> None:
    docs = {1: DocumentRef(1, "Statement")}
    rows = [ChunkRow(1, 1, 0, "The officer was taken to hospital."),
            ChunkRow(2, 1, 1, '"He was delivered in an extremely serious condition with a gunshot wound.'),
            ChunkRow(3, 1, 2, 'Despite resuscitation attempts, he died," the ministry said in a statement.'),
            ChunkRow(4, 1, 3, "\u201cDo not shoot your own people.\u201d He said it twice.")]
    answerer = Answerer(KnowledgeBase.build(rows, docs))
    best = answerer.answer("Did resuscitation attempts save him?").passages[0]
    assert best.chunk_id == 3
    assert best.quote == rows[1].text + " " + rows[2].text  # the opening half comes with it
    assert answerer.knowledge.readable(rows[3]) == rows[3].text  # already whole
    assert answerer.knowledge.readable(rows[0]) == rows[0].text


def test_every_count_agrees_in_number() -> None:
    from bot.chat import html, texts
    from bot.telegram.admin import texts as admin_texts

    assert html.count(1, "sentence") == "1 sentence" and html.count(2, "sentence") == "2 sentences"
    assert html.count(1_500, "question") == "1,500 questions"
    assert "with 1 sentence." in admin_texts.document_added(7, DocumentRef(7, "Note"), 1, None)
    assert texts.forgotten(1, 0).startswith("Done: I deleted 1 question and 0 votes")
    assert "1 sentence from 1 document" in admin_texts.reindexed(1, 1, 0.1)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("The city court extended his detention. His lawyer, Zamir Zhooshev, said the defence would appeal.",
         "What did Zamir Zhooshev say?"),
        ("Rangers counted seventeen snow leopards in the Sarychat reserve.", "How many snow leopards?"),
        ("The herders of Kochkor moved 900 sheep to the Song-Kul pastures.", "How many sheep?"),
        ("Golden eagles are trained for hunting near Issyk-Kul lake.", "What happened in Issyk-Kul?"),
        ("the shepherds of suusamyr valley moved their flocks.", "What happened with the shepherds?"),
    ],
)
def test_a_new_document_suggests_a_question_a_person_would_ask(text: str, question: str) -> None:
    from bot.corpus.documents import parse_pasted
    from bot.storage import Database

    from .conftest import CORPUS

    service = QAService(Database.in_memory())
    service.start(CORPUS)
    result = service.add_document(parse_pasted(f"title: New\n{text}"), added_by="test")
    suggestion = service.suggest_question(result.document_id)
    assert suggestion == question
    assert service.answer(suggestion).passages[0].document.id == result.document_id
