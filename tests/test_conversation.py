"""Follow-up questions understood in context: the mechanism on its own, then the bot with two users in one
group, expiry and /forgetme, through PTB's own dispatch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.chat import html, texts
from bot.chat.followups import answer_in_context, follow_up, topic_of
from bot.chat.help import EXAMPLE_QUESTIONS
from bot.chat.languages import foreign_language
from bot.chat.replies import Reply, reply_to
from bot.chat.topics import Contexts, Topic
from bot.service import QAService

from .botapi import FakeBotApi
from .offline import deliver, offline_bot

ASANOV = Topic("Who is Kursan Asanov?", person="Kursan Asanov", subject="Kursan Asanov")


def test_a_pronoun_is_read_as_the_person_last_named(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    understood = follow_up("What did he say?", ASANOV, knowledge)
    assert understood.question == "What did Kursan Asanov say?" and understood.about == "Kursan Asanov"
    assert understood.needs_context
    assert follow_up("What was his role?", ASANOV, knowledge).question == "What was Kursan Asanov's role?"
    assert follow_up("What did he say?", None, knowledge).about is None  # no topic: nothing to fill in


def test_a_question_of_its_own_is_never_read_as_a_follow_up(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    koi_tash = Topic("what happened in koi tash", subject="koi tash")
    for question in ("was anyone killed", "what did atambayev say", "How many buses of troops were outside the mansion?",
                     "When did parliament strip Atambayev of his immunity?", "what is he accused of"):
        for topic in (ASANOV, koi_tash):
            understood = follow_up(question, topic, knowledge)
            if question == "what is he accused of" and topic is ASANOV:
                continue  # a pronoun with no person of its own: a follow-up
            assert understood.question == question and understood.about is None, (question, topic)
    # standalone questions get the very same answer in a chat as alone
    for question in ("was anyone killed", "what did atambayev say", "how many ppl got hurt"):
        alone = seed_service.answer(question)
        in_chat, _ = answer_in_context(seed_service, question, koi_tash)
        assert [p.chunk_id for p in in_chat.passages] == [p.chunk_id for p in alone.passages]


def test_a_bare_question_asks_about_the_last_one(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge
    immunity = Topic("what happened to atambayev's immunity", person="atambayev", subject="atambayev's immunity")
    assert follow_up("When?", immunity, knowledge).question == "When happened to atambayev's immunity"
    gate = Topic("what happened to the gate", subject="the gate")
    answer, understood = answer_in_context(seed_service, "by what", gate)
    assert understood.about is not None and "vehicles rammed into" in answer.passages[0].quote


def test_topics_are_names_and_subject_phrases_never_fragments(seed_service: QAService) -> None:
    knowledge = seed_service.knowledge

    def topic(question: str) -> Topic:
        answer = seed_service.answer(question)
        found = topic_of(question, answer, knowledge)
        assert found is not None, question
        return found

    assert topic("what happened in koi tash").subject == "koi tash"
    assert topic("Who is Kursan Asanov?").person == "Kursan Asanov"
    assert topic("what did the officer die from").subject == "the officer"
    assert topic("where's atambayev's house").subject == "atambayev's house"
    hurt = topic("how many ppl got hurt")
    assert hurt.person == "" and hurt.subject == ""  # "people got hurt" is no subject
    assert topic("has he increased security in recent weeks").subject == ""  # not "week"


def test_and_what_about_asks_the_last_question_of_something_else(seed_service: QAService) -> None:
    injured = Topic("how many people were injured")
    answer, understood = answer_in_context(seed_service, "and killed?", injured)
    assert answer.answered and ("killed" in answer.passages[0].quote or "died" in answer.passages[0].quote)


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
    first, understood = answer_in_context(seed_service, "Who is Kursan Asanov?", None)
    topic = topic_of(understood.question, first, seed_service.knowledge)
    assert topic is not None and topic.person == "Kursan Asanov"
    said, understood = answer_in_context(seed_service, "What did he say?", topic)
    assert said.answered and "decision to pull out" in said.passages[0].quote and said.question == "What did he say?"
    age, _ = answer_in_context(seed_service, "How old is he?", topic)
    assert not age.answered  # Atambayev's age is in the sources; Asanov's is not


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
    asanov, age = _chat(seed_service, "Who is Kursan Asanov?", "how old is he")
    assert age.kind == "answer" and age.answer is not None and not age.answer.answered
    text = html.html_to_text(texts.render(age, documents=[], max_chars=500)[0])
    assert "I read this as" in text and "how old is Kursan Asanov" in text and "My sources don't say" in text


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
