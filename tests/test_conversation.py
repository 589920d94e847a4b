"""Follow-up questions understood in context: the mechanism on its own, then the bot with two users in one
group, expiry and /forgetme, through PTB's own dispatch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.chat import html, texts
from bot.chat.followups import mentions_in, readings, salience, topic_after
from bot.chat.help import EXAMPLE_QUESTIONS
from bot.chat.languages import foreign_language
from bot.chat.replies import Reply, reply_to
from bot.chat.topics import Contexts, Mention, Topic
from bot.service import QAService

from .botapi import FakeBotApi
from .offline import deliver, offline_bot

ASANOV = Topic("Who is Kursan Asanov?", turn=1,
               mentions=(Mention("Kursan Asanov", "person", "m", False, 1, 1, True),))


def _reading_questions(text: str, topic: Topic | None, knowledge: object) -> list[str]:
    return [r.question for r in readings(text, topic, knowledge)]  # type: ignore[arg-type]


def test_a_pronoun_gets_a_reading_with_the_person_last_named(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    found = readings("What did he say?", ASANOV, knowledge)
    assert found[0].question == "What did he say?" and found[0].about is None and found[0].leaning
    assert ("What did Kursan Asanov say?", "Kursan Asanov") in [(r.question, r.about) for r in found[1:]]
    assert "What was Kursan Asanov's role?" in _reading_questions("What was his role?", ASANOV, knowledge)
    assert _reading_questions("What did he say?", None, knowledge) == ["What did he say?"]  # no topic


def test_she_is_a_woman_and_they_a_group(seed_service: QAService) -> None:
    """Genders come from the corpus (its pronouns after a name, or a surname's shape): Otunbayeva is a she,
    Atambayev a he; "they" stands for a group the conversation named."""
    knowledge = seed_service.knowledge
    topic = Topic("who did atambayev replace", turn=2, mentions=(
        Mention("Atambayev", "person", "m", False, 1, 3, True),
        Mention("Roza Otunbayeva", "person", "f", False, 2, 1, False),
        Mention("the hostages", "group", "", True, 2, 1, True)))
    she = _reading_questions("what revolution did she lead", topic, knowledge)
    assert "what revolution did Roza Otunbayeva lead" in she and not any("Atambayev" in q for q in she)
    they = _reading_questions("were they freed", topic, knowledge)
    assert "were the hostages freed" in they and not any("Otunbayeva" in q for q in they)
    from bot.search.persons import persons

    assert persons(knowledge).gender("Otunbayeva") == "f" and persons(knowledge).gender("Atambayev") == "m"


def test_a_question_of_its_own_is_never_read_as_a_follow_up(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    koi_tash = Topic("what happened in koi tash", turn=1, mentions=(Mention("koi tash", "thing", "", False, 1),))
    for question in ("was anyone killed", "what did atambayev say", "How many buses of troops were outside the mansion?",
                     "When did parliament strip Atambayev of his immunity?"):
        for topic in (ASANOV, koi_tash):
            assert _reading_questions(question, topic, knowledge) == [question], (question, topic)
    # standalone questions get the very same answer in a chat as alone
    for question in ("was anyone killed", "what did atambayev say", "how many ppl got hurt"):
        alone = seed_service.answer(question)
        in_chat, _ = _in_context(seed_service, question, koi_tash)
        assert [p.chunk_id for p in in_chat.passages] == [p.chunk_id for p in alone.passages]


def _in_context(service: QAService, question: str, topic: Topic | None) -> tuple[object, object]:
    logged, reading = service.answer_in_context(question, readings(question, topic, service.knowledge),
                                                shown=topic.chunk_ids if topic else ())
    return logged.answer, reading


def test_a_bare_question_asks_about_the_last_one(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    immunity = Topic("what happened to atambayev's immunity", turn=1,
                     mentions=(Mention("atambayev's immunity", "thing", "", False, 1),))
    assert "When happened to atambayev's immunity" in _reading_questions("When?", immunity, knowledge)
    gate = Topic("what happened to the gate", turn=1, mentions=(Mention("the gate", "thing", "", False, 1),))
    answer, reading = _in_context(seed_service, "by what", gate)
    assert reading.kind != "alone" and "vehicles rammed into" in answer.passages[0].quote  # type: ignore[attr-defined]


def test_what_a_question_names_is_remembered_never_fragments(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge

    def named(question: str) -> list[str]:
        return [m.text for m in mentions_in(question, knowledge, 1)]

    assert named("what happened in koi tash") == []  # a place: no he, she, it or they stands for it
    assert named("Who is Kursan Asanov?") == ["Kursan Asanov"]
    assert named("what did the officer die from") == ["the officer"]
    assert named("where's atambayev's house") == ["Atambayev", "atambayev's house"]
    assert named("how many ppl got hurt") == []  # "people got hurt" names no one
    assert named("what happened to the hostages") == ["the hostages"]
    assert "the kyrgyz" not in named("what did the kyrgyz news agency report")
    quoted = [m.text for m in mentions_in(seed_service.answer("who did atambayev replace").passages[0].quote,
                                          knowledge, 1, asked=False)]
    assert "Roza Otunbayeva" in quoted  # an answer's people are remembered too: "what was she known for"


def test_the_conversation_keeps_its_most_salient_mentions(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    topic = None
    for question in ("who is atambayev", "how old is atambayev", "who is Mirbek Aitikeyev"):
        answer = seed_service.answer(question)
        topic = topic_after(readings(question, topic, knowledge)[0], answer, knowledge, topic)
    assert topic is not None and topic.turn == 3
    by_text = {m.text.lower(): m for m in topic.mentions}
    assert by_text["atambayev"].count >= 2 and by_text["mirbek aitikeyev"].turn == 3
    assert salience(by_text["atambayev"], topic.mentions, 4) > 0 and len(topic.mentions) <= 12
    # "what year was he elected": the chat's main person is one of the readings, with the last named
    found = _reading_questions("what year was he elected", topic, knowledge)
    assert any("Atambayev" in q or "atambayev" in q for q in found) and any("Aitikeyev" in q for q in found)
    answer, _ = _in_context(seed_service, "what year was he elected", topic)
    assert "elected president in 2011" in answer.passages[0].quote  # type: ignore[attr-defined]


def test_and_what_about_asks_the_last_question_of_something_else(seed_service: QAService) -> None:
    injured = Topic("how many people were injured", turn=1)
    answer, _ = _in_context(seed_service, "and killed?", injured)
    assert answer.answered and ("killed" in answer.passages[0].quote or "died" in answer.passages[0].quote)  # type: ignore[attr-defined]


def test_contexts_expire_are_bounded_and_forgotten() -> None:
    now = [0.0]
    contexts = Contexts(seconds=600, limit=2, clock=lambda: now[0])
    contexts.set((1, 10), ASANOV)
    now[0] = 599.0
    assert contexts.get((1, 10)) == ASANOV
    now[0] = 1200.0
    assert contexts.get((1, 10)) is None
    for key in ((1, 10), (1, 11), (2, 10)):
        contexts.set(key, ASANOV)
    assert contexts.get((1, 10)) is None  # the least recently used went first
    assert contexts.forget(10) == 1 and contexts.get((2, 10)) is None
    assert contexts.get((1, 11)) == ASANOV


def test_context_never_quotes_what_the_sources_do_not_say(seed_service: QAService) -> None:
    first, reading = _in_context(seed_service, "Who is Kursan Asanov?", None)
    topic = topic_after(reading, first, seed_service.knowledge, None)  # type: ignore[arg-type]
    assert [m.text for m in topic.mentions if m.kind == "person"][0] == "Kursan Asanov"
    said, _ = _in_context(seed_service, "What did he say?", topic)
    assert said.answered and "decision to pull out" in said.passages[0].quote  # type: ignore[attr-defined]
    assert said.question == "What did he say?"  # type: ignore[attr-defined]
    age, reading = _in_context(seed_service, "How old is he?", topic)
    # Atambayev's age is in the sources ("the 62-year-old"); Asanov's is not, and "he" is Asanov here
    assert reading.about == "Kursan Asanov"  # type: ignore[attr-defined]
    assert not any("year-old" in p.quote for p in age.shown)  # type: ignore[attr-defined]


def _chat(service: QAService, *texts: str) -> list[Reply]:
    contexts = Contexts()
    return [reply_to(text, service, max_chars=500, contexts=contexts, conversation=("c", None)) for text in texts]


def test_what_people_type_after_an_answer_is_no_new_question(seed_service: QAService) -> None:
    replies = _chat(seed_service, "how many hostages were taken", "👍", "ok", "lol", "?", "😂😂", "thanks",
                    "source?", "more", "more", "who said that?")
    first = replies[0]
    assert first.kind == "answer" and first.answer is not None and first.answer.answered
    assert [r.kind for r in replies[1:7]] == ["vote", "ack", "ack", "confused", "ack", "thanks"]
    assert all(r.answer is None for r in replies[1:8])
    source = replies[7]
    assert source.kind == "source" and source.documents
    assert source.documents[0].id == first.answer.passages[0].document.id
    shown = {p.chunk_id for p in first.answer.shown}
    more, again = replies[8], replies[9]
    assert more.kind == "more" and more.passages and shown.isdisjoint(p.chunk_id for p in more.passages)
    assert {p.chunk_id for p in more.passages}.isdisjoint(p.chunk_id for p in again.passages)  # pages on
    assert replies[10].kind == "source"
    text = html.html_to_text("\n".join(texts.render(source, documents=[], max_chars=500)))
    assert "I have no link for it" in text and source.documents[0].title in text


def test_votes_more_and_source_with_nothing_before_them(seed_service: QAService) -> None:
    vote, more, source = _chat(seed_service, "👍", "more", "source?")
    assert vote.kind == "ack" and more.kind == "more" and more.answer is None and source.kind == "sources"


def test_a_declined_follow_up_says_how_it_was_read(seed_service: QAService) -> None:
    asanov, school = _chat(seed_service, "Who is Kursan Asanov?", "what university did he attend")
    assert school.kind == "answer" and school.answer is not None and not school.answer.answered
    text = html.html_to_text(texts.render(school, documents=[], max_chars=500)[0])
    assert "I read this as" in text and "what university did Kursan Asanov attend" in text
    assert "My sources don't say" in text


def test_a_question_in_another_language_gets_a_reply_in_it(seed_service: QAService) -> None:
    for text, language, word in (("Сколько было заложников?", "ru", "английском"), ("Атамбаев кайда азыр? Эмне болду, "
                                 "айтып бериңиз", "ky", "англис"), ("Was ist in Koi-Tash passiert?", "de", "Englisch"),
                                 ("发生了什么事？", "zh", "英文")):
        (reply,) = _chat(seed_service, text)
        assert reply.kind == "other_language" and reply.language == language
        rendered = texts.render(reply, documents=[], max_chars=500)[0]
        assert word in rendered and EXAMPLE_QUESTIONS[0] in rendered
    for english in ("what was the GKNB doing", "Was he arrested?", "die Hard"):
        assert foreign_language(english) is None


def test_figures_disagree_only_when_they_count_the_same_thing(seed_service: QAService) -> None:
    for question in ("how many injured", "how many people were hurt", "how many were wounded",
                     "how many people were injured"):
        answer = seed_service.answer(question)
        quotes = " ".join(p.quote for p in answer.shown)
        assert answer.sources_differ and "36 people" in quotes and "over 50 injured" in quotes, question
    for question in ("how many supporters", "how many troops", "how many hostages", "how many buses",
                     "how many soldiers were taken hostage"):
        assert not seed_service.answer(question).sources_differ, question


@pytest.fixture
async def bot(seed_service: QAService) -> AsyncIterator[tuple[Application, FakeBotApi]]:  # type: ignore[type-arg]
    async with offline_bot(seed_service, flood_limit=100, context_seconds=0.5) as running:
        yield running


GROUP = -100300


async def ask(application: Application, api: FakeBotApi, text: str, user_id: int, chat_id: int = GROUP) -> str:  # type: ignore[type-arg]
    mark = api.mark()
    api.send_text(f"/ask {text}", user_id=user_id, chat_id=chat_id, chat_type="supergroup")
    await deliver(application, api)
    return "\n".join(c.params["text"] for c in api.sent_to(chat_id, start=mark))


async def test_two_users_in_one_group_keep_their_own_context(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    await ask(application, api, "Who is Kursan Asanov?", 401)
    await ask(application, api, "Who was Roza Otunbayeva?", 402)
    asanov = await ask(application, api, "What did he say?", 401)
    assert "About Kursan Asanov:" in asanov and "decision to pull out" in asanov
    otunbayeva = await ask(application, api, "What revolution did she lead?", 402)
    assert "About Roza Otunbayeva:" in otunbayeva and "Tulip Revolution" in otunbayeva
    elsewhere = await ask(application, api, "What did he say?", 401, chat_id=-100301)
    assert "About" not in elsewhere  # another chat, another conversation


async def test_context_expires_and_forgetme_clears_it(bot: tuple[Application, FakeBotApi]) -> None:  # type: ignore[type-arg]
    application, api = bot
    await ask(application, api, "Who is Kursan Asanov?", 403)
    await asyncio.sleep(0.7)
    assert "About" not in await ask(application, api, "What did he say?", 403)
    await ask(application, api, "Who is Kursan Asanov?", 403)
    mark = api.mark()
    api.send_text("/forgetme", user_id=403, chat_id=GROUP, chat_type="supergroup")
    await deliver(application, api)
    assert "forgot what we were talking about" in api.sent_to(GROUP, start=mark)[0].params["text"]
    assert "About" not in await ask(application, api, "What did he say?", 403)


async def test_on_telegram_a_typed_thumb_votes_and_more_and_source_answer(bot: tuple[Application, FakeBotApi],  # type: ignore[type-arg]
                                                                          seed_service: QAService) -> None:
    from sqlalchemy import select

    from bot.storage.models import Vote

    application, api = bot
    chat = 9901

    async def say(text: str) -> str:
        mark = api.mark()
        api.send_text(text, user_id=chat, chat_id=chat)
        await deliver(application, api)
        return "\n".join(c.params["text"] for c in api.sent_to(chat, start=mark))

    assert "servicemen as hostages" in await say("how many hostages were taken")
    assert "glad it helped" in await say("👍")
    with seed_service.database.session() as session:
        votes = session.scalars(select(Vote).where(Vote.user_id == chat)).all()
        assert [v.value for v in votes] == [1]
    assert "<blockquote>" not in await say("lol")
    source = await say("source?")
    assert "comes from" in source and "no link" in source
    assert "<blockquote>" in await say("more")
    assert "английском" in await say("Сколько было заложников?")


def test_after_a_brief_more_continues_it_and_what_happened_next_follows_the_events(seed_service: QAService) -> None:
    brief, more, answer, following = _chat(seed_service, "what happened?", "more", "how many hostages were taken",
                                           "what happened next?")
    assert brief.kind == "brief" and brief.brief is not None and len(brief.brief.passages) >= 3
    assert more.kind == "more" and more.passages
    assert {p.chunk_id for p in brief.brief.passages}.isdisjoint(p.chunk_id for p in more.passages)
    assert answer.kind == "answer" and following.kind == "sequence" and following.events
    assert following.anchor is not None and following.anchor.chunk_id == answer.answer.shown[-1].chunk_id  # type: ignore[union-attr]
