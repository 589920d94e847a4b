"""Issue 22: briefs, dates of sentences and the timeline, the answer in bold; core first, then every Telegram route."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from benchmarks import big_picture
from bot.answers.brief import make_brief
from bot.answers.chronology import Event, chronology
from bot.answers.highlight import answer_span
from bot.chat import html, texts
from bot.chat.requests import brief_request
from bot.corpus.dates import When, sentence_when
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.service import QAService

from .botapi import FakeBotApi, parse_html
from .offline import deliver, offline_bot

THURSDAY, WEDNESDAY = dt.date(2019, 8, 8), dt.date(2019, 8, 7)


# --- dates ---------------------------------------------------------------------------------------------------

def test_a_thursday_articles_wednesday_is_the_day_before() -> None:
    assert sentence_when("Forces failed to detain him on Wednesday.", THURSDAY) == When(WEDNESDAY, "day")
    assert sentence_when("Troops were repelled the day before.", THURSDAY).date == WEDNESDAY  # type: ignore[union-attr]
    late = sentence_when("Shots rang out late on Wednesday.", THURSDAY)
    assert late is not None and late.date == WEDNESDAY and late.part == "late"


def test_a_weekday_on_the_articles_own_day_is_that_day_and_months_are_months() -> None:
    assert sentence_when("An officer was killed Wednesday.", WEDNESDAY).date == WEDNESDAY  # type: ignore[union-attr]
    june = sentence_when("His immunity was lifted in June.", WEDNESDAY)
    assert june is not None and june.iso() == "2019-06" and june.before(When(WEDNESDAY))
    morning = sentence_when("Police arrived Thursday morning.", THURSDAY)
    assert morning is not None and morning.date == THURSDAY and morning.part == "morning"


def test_no_time_named_means_the_documents_date_and_deadlines_are_not_times() -> None:
    plain = sentence_when("The ministry said nothing.", THURSDAY)
    assert plain == When(THURSDAY, "day", None, stated=False)
    assert not sentence_when("They agreed to leave by the morning.", THURSDAY).stated  # type: ignore[union-attr]
    assert sentence_when("Nothing.", None) is None


# --- briefs --------------------------------------------------------------------------------------------------

def _knowledge(texts: dict[int, tuple[dt.date, list[str]]]) -> KnowledgeBase:
    rows, documents, next_id = [], {}, 1
    for doc_id, (date, sentences) in texts.items():
        documents[doc_id] = DocumentRef(doc_id, f"Doc {doc_id}", f"Pub {doc_id}", date)
        for position, text in enumerate(sentences):
            rows.append(ChunkRow(next_id, doc_id, position, text))
            next_id += 1
    return KnowledgeBase.build(rows, documents)


STORY = {
    1: (WEDNESDAY, ["Soldiers stormed the mayor's farmhouse near the river on Wednesday evening.",
                    "The mayor's guards fired at the soldiers storming the farmhouse near the river.",
                    "The weather in the region has been unusually dry for the season this year."]),
    2: (THURSDAY, ["Soldiers stormed the mayor's farmhouse by the river on Wednesday.",
                   "On Thursday the mayor surrendered to the soldiers at the farmhouse gate.",
                   "Local football results were announced by the league officials in town."]),
}


def test_a_brief_tells_the_central_facts_once_each_in_the_order_they_happened() -> None:
    knowledge = _knowledge(STORY)
    brief = make_brief(knowledge, "What happened?", brief_request("What happened?"), threshold=0.1)  # type: ignore[arg-type]
    quotes = [p.quote for p in brief.passages]
    assert sum("stormed the mayor's farmhouse" in q for q in quotes) == 1, "two sources saying it count once"
    assert not any("football" in q for q in quotes), "the least central sentence is left out"
    order = chronology(knowledge)
    assert [order.at[p.chunk_id] for p in brief.passages] == sorted(order.at[p.chunk_id] for p in brief.passages)
    assert "surrendered" in quotes[-1], "Thursday's surrender comes after Wednesday's raid"


def test_centrality_is_kept_and_updated_when_a_document_is_added_or_removed() -> None:
    knowledge = _knowledge({1: STORY[1]})
    added = knowledge.extend([ChunkRow(10, 3, 0, "The soldiers stormed the farmhouse of the mayor by the river.")],
                             {3: DocumentRef(3, "New", "Wire", THURSDAY)})
    assert len(added.centrality) == len(knowledge.centrality) + 1
    raid = 0  # the first sentence: a second source now says it too, so it is more central than before
    assert added.centrality[raid] > knowledge.centrality[raid]
    removed = added.with_active(added.all_documents, [3])
    assert removed.centrality[-1] == 0 and removed.centrality[raid] == pytest.approx(knowledge.centrality[raid])


def test_the_seed_brief_and_after_adding_a_document(seed_service: QAService) -> None:
    request = brief_request("What happened?")
    assert request is not None
    brief = seed_service.brief("What happened?", request)
    assert 3 <= len(brief.passages) <= 5 and {p.document.id for p in brief.passages} == {1, 2}
    knowledge = seed_service.knowledge.extend(
        [ChunkRow(10_000 + i, 999, i, t) for i, t in enumerate([
            "Kyrgyz special forces stormed the compound of former president Almazbek Atambayev and detained him.",
            "Atambayev was detained and taken to the capital Bishkek by the special forces."])],
        {999: DocumentRef(999, "Atambayev detained", "Wire", dt.date(2019, 8, 9))})
    later = make_brief(knowledge, "What happened?", request, threshold=0.15)
    assert any(p.document.id == 999 for p in later.passages)
    assert later.passages[-1].document.id == 999, "9 August comes last"


@pytest.mark.parametrize("question", ["What happened?", "what happened in Koi-Tash", "what's going on",
                                      "give me a summary", "the main facts", "explain the story", "/brief"])
def test_overview_questions_ask_for_a_brief(question: str) -> None:
    assert brief_request(question) == brief_request("What happened?") and brief_request(question) is not None


def test_subject_briefs_and_narrow_questions() -> None:
    assert brief_request("tell me about the hostages").subject == "the hostages"  # type: ignore[union-attr]
    assert brief_request("what do we know about Asanov").subject == "Asanov"  # type: ignore[union-attr]
    assert brief_request("What happened to the six hostages?") is None
    assert brief_request("what about Asanov", follow_up_possible=True) is None, "a follow-up stays a follow-up"


# --- the answer in bold --------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, quote, bold", [
    ("How many people were hurt?", "Officials said 36 people, including 15 police, were hurt.", "36"),
    ("When did clashes break out?", "Clashes broke out in the evening after the raid.", "in the evening"),
    ("Who said it?", "The agency cited Deputy Minister Kursan Asanov as saying so.", "Deputy Minister Kursan Asanov"),
    ("Where is the estate?", "He lives at his estate outside Bishkek.", "outside Bishkek"),
    ("Why did they leave?", "They left because of the talks.", None),
    ("How many soldiers?", "The soldiers left quietly.", None),
])
def test_the_part_that_answers(question: str, quote: str, bold: str | None) -> None:
    span = answer_span(question, quote)
    assert (span.text if span else None) == bold
    if span is not None:
        assert quote[span.start: span.end] == span.text


def test_bold_inside_the_blockquote_is_valid_html_even_around_markup_characters() -> None:
    from bot.answers.answering import Passage

    quote = "Officials <said> 36 & more people were hurt."
    passage = Passage(quote, 1.0, 1, DocumentRef(1, "T"), answer_span("How many people were hurt?", quote))
    markup = html.passage_html(passage)
    assert "<blockquote>Officials &lt;said&gt; <b>36</b> &amp; more" in markup
    parse_html(markup)  # the offline Bot API's parser: raises on what Telegram would refuse
    assert html.html_to_text(markup, bold=True).count(html.ANSI_BOLD) == 1
    assert html.ANSI_BOLD not in html.html_to_text(markup)


# --- the timeline ------------------------------------------------------------------------------------------

def test_a_long_timeline_is_split_within_telegrams_limit() -> None:
    doc = DocumentRef(1, "T", "P", THURSDAY)
    events = [Event(i, f"Event number {i} happened " + "with many details " * 10, When(WEDNESDAY, "day"), doc)
              for i in range(120)]
    parts = texts.timeline_messages(events)
    assert 1 < len(parts) <= texts.TIMELINE_MESSAGES
    assert all(html.visible_length(p) <= html.MESSAGE_LIMIT for p in parts)
    for part in parts:
        parse_html(part)
    assert "later events" in parts[-1].splitlines()[-1]


def test_seed_timeline_is_in_hand_order(seed_service: QAService) -> None:
    scores = big_picture.timeline_scores(seed_service)
    assert scores["order_errors_timeline"] == 0 and scores["on_timeline"] >= 8


def test_quality_floors_on_the_dev_sets(seed_service: QAService) -> None:
    # Development figures (the sets were tuned on). Routing is the message-kind classifier's since issue 29: it
    # reads "who is Atambayev?" and "what happened before the raid" as questions, which the rules sent to a brief
    # and to the events before (0.81 and 0.6 then; 0.58-0.63 and 0.4 now: docs/quality.md).
    assert big_picture.brief_scores(seed_service)["coverage"] >= 0.55
    highlight = big_picture.highlight_scores(seed_service)
    assert highlight["precision"] >= 0.95 and highlight["recall"] >= 0.8
    assert big_picture.sequence_scores(seed_service)["p_at_1"] >= 0.35


def test_what_happened_next_after_a_chunk(seed_service: QAService) -> None:
    answer = seed_service.answer("How did the first raid end?")
    anchor, events = seed_service.next_after(answer.passages[0].chunk_id)
    assert anchor is not None and anchor.chunk_id == answer.passages[0].chunk_id
    assert events and all(answer_when_before(seed_service, answer.passages[0].chunk_id, e) for e in events)


def answer_when_before(service: QAService, chunk_id: int, event: Event) -> bool:
    order = chronology(service.knowledge)
    return order.at[event.chunk_id] > order.at[chunk_id]


# --- every route -------------------------------------------------------------------------------------------

@pytest.fixture
async def bot(seed_service: QAService) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    async with offline_bot(seed_service, flood_limit=4, flood_window_seconds=60) as running:
        yield running


async def _say(application: Application, api: FakeBotApi, text: str, user_id: int, **kw: Any) -> list[Any]:  # type: ignore[type-arg]
    mark = api.mark()
    api.send_text(text, user_id=user_id, **kw)
    await deliver(application, api)
    return api.sent_to(kw.get("chat_id", user_id), start=mark)


def _buttons(call: Any) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row}


async def test_private_brief_with_more(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    [reply] = await _say(application, api, "What happened?", 501)
    assert reply.params["text"].count("<blockquote>") in (3, 4, 5) and "What happened" in reply.params["text"]
    mark = api.mark()
    api.press(reply.result, _buttons(reply)["More"], user_id=501)
    await deliver(application, api)
    [more] = api.sent_to(501, start=mark)
    assert "<blockquote>" in more.params["text"]
    assert more.params["text"].split("</blockquote>")[0] not in reply.params["text"], "More goes on, not again"


async def test_brief_and_timeline_commands_and_the_start_button(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    [brief] = await _say(application, api, "/brief the hostages", 502,
                         entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    assert "About the hostages" in brief.params["text"] and "hostage" in brief.params["text"]
    timeline = await _say(application, api, "/timeline", 502, entities=[{"type": "bot_command", "offset": 0, "length": 9}])
    assert "Timeline" in timeline[0].params["text"] and "2011" in timeline[0].params["text"]
    [start] = await _say(application, api, "/start", 502, entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    mark = api.mark()
    api.press(start.result, _buttons(start)["What happened?"], user_id=502)
    await deliver(application, api)
    assert "<blockquote>" in api.sent_to(502, start=mark)[0].params["text"]


async def test_group_ask_brief_and_bold_answer(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    [brief] = await _say(application, api, "/ask what happened?", 503, chat_id=-100, chat_type="group",
                         entities=[{"type": "bot_command", "offset": 0, "length": 4}])
    assert brief.params["text"].count("<blockquote>") >= 3
    [answer] = await _say(application, api, "/ask How many people were admitted to hospital?", 503, chat_id=-100,
                          chat_type="group", entities=[{"type": "bot_command", "offset": 0, "length": 4}])
    assert "<b>36</b> people" in answer.params["text"]


async def test_inline_brief_is_its_quotes(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    mark = api.mark()
    api.inline("what happened", user_id=504)
    await deliver(application, api)
    [call] = [c for c in api.calls[mark:] if c.method == "answerInlineQuery"]
    results = call.params["results"]
    results = json.loads(results) if isinstance(results, str) else results
    assert 3 <= len(results) <= 5
