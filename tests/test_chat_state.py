"""Conversation context and flood counts shared by instances on one database (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import threading

from bot.chat.topics import Mention, StoredContexts, Topic
from bot.storage import Database
from bot.storage.chat_state import ConversationStore, FloodStore
from bot.telegram.flood import FloodGuard

ASANOV = Topic("Who is Kursan Asanov?", question_id=7, chunk_ids=(3, 4), turn=1,
               mentions=(Mention("Kursan Asanov", "person", "m", False, 1, 1, True),))


def test_a_topic_set_by_one_instance_is_seen_by_another_until_it_expires(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    first.migrate()
    now = [1000.0]
    one = StoredContexts(ConversationStore(first, clock=lambda: now[0]), seconds=600)
    two = StoredContexts(ConversationStore(second, clock=lambda: now[0]), seconds=600)
    one.set((-100, 5), ASANOV)
    assert two.get((-100, 5)) == ASANOV and two.get((-100, 6)) is None
    two.set((-100, 5), ASANOV)  # an update, not a second row
    now[0] += 601
    assert one.get((-100, 5)) is None  # never kept longer than CONTEXT_SECONDS
    now[0] = 1000.0
    one.set((-100, 5), ASANOV)
    one.set((-200, 5), ASANOV)
    one.set((-100, 6), ASANOV)
    assert two.forget(5) == 2  # /forgetme on one instance clears the sender's context everywhere
    assert one.get((-100, 5)) is None and one.get((-200, 5)) is None and one.get((-100, 6)) == ASANOV
    first.dispose()
    second.dispose()


def test_context_off_keeps_nothing(database_url: str) -> None:
    database = Database(database_url)
    database.migrate()
    contexts = StoredContexts(ConversationStore(database), seconds=0)
    contexts.set((1, 1), ASANOV)
    assert contexts.get((1, 1)) is None
    database.dispose()


def test_the_flood_limit_holds_across_instances_under_concurrency(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    first.migrate()
    guards = [FloodGuard(5, 60, store=FloodStore(first)), FloodGuard(5, 60, store=FloodStore(second))]
    verdicts = []
    lock = threading.Lock()

    def flood(guard: FloodGuard) -> None:
        for _ in range(15):
            verdict = guard.check(4242)
            with lock:
                verdicts.append(verdict)

    threads = [threading.Thread(target=flood, args=(guards[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(verdicts) == 60
    assert sum(v.allowed for v in verdicts) == 5  # not 5 per instance
    assert sum(v.notify for v in verdicts) == 1  # one "please wait" for the whole stretch
    assert guards[1].check(4243).allowed  # another sender is not held up
    first.dispose()
    second.dispose()
