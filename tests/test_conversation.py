"""Follow-up questions understood in context: the mechanism on its own, then the bot with two users in one
group, expiry and /forgetme, through PTB's own dispatch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.conversation import Contexts, Topic, answer_in_context, follow_up, topic_of
from bot.service import QAService

from .botapi import FakeBotApi
from .offline import deliver, offline_bot

NAMES = frozenset({"kursan", "asanov", "atambayev", "roza", "otunbayeva"})
ASANOV = Topic(person="Kursan Asanov", subject="kursan asanov", names="Kursan Asanov")


def test_a_pronoun_is_read_as_the_person_last_named() -> None:
    understood = follow_up("What did he say?", ASANOV, NAMES)
    assert understood.question == "What did Kursan Asanov say?" and understood.about == "Kursan Asanov"
    assert follow_up("What was his role?", ASANOV, NAMES).question == "What was Kursan Asanov's role?"


def test_a_bare_question_takes_the_subject_and_a_new_one_stands_alone() -> None:
    immunity = Topic(person="atambayev immunity", subject="atambayev immunity", names="Atambayev")
    assert follow_up("When?", immunity, NAMES).question == "When atambayev immunity"
    assert follow_up("and the corruption charges?", immunity, NAMES).question == "the corruption charges Atambayev"
    for question in ("How many buses of troops were outside the mansion?",
                     "When did parliament strip Atambayev of his immunity?"):  # names its own person
        understood = follow_up(question, ASANOV, NAMES)
        assert understood.question == question and understood.about is None
    assert follow_up("What did he say?", None, NAMES).about is None  # no topic: nothing to fill in


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
    assert contexts.forget(lambda key: key[1] == 10) == 1 and contexts.get((2, 10)) is None
    assert contexts.get((1, 11)) == ASANOV


def test_context_never_quotes_what_the_sources_do_not_say(seed_service: QAService) -> None:
    names = seed_service.knowledge.names
    first, understood = answer_in_context(seed_service, "Who is Kursan Asanov?", None)
    topic = topic_of(understood.question, first, names)
    assert topic is not None and topic.person == "Kursan Asanov"
    said, understood = answer_in_context(seed_service, "What did he say?", topic)
    assert said.answered and "decision to pull out" in said.passages[0].quote and said.question == "What did he say?"
    age, _ = answer_in_context(seed_service, "How old is he?", topic)
    assert not age.answered  # Atambayev's age is in the sources; Asanov's is not


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
