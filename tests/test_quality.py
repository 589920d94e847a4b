"""A floor under answer quality on the team's event set, a little under the measured figures
(README, "Answer quality"), so that a regression fails CI. The full benchmark is `python -m bot eval`."""

import pytest

from bot.config import Settings
from bot.evaluation import load_event, ours, score


@pytest.fixture(scope="module")
def event_scores():  # type: ignore[no-untyped-def]
    pool, items = load_event()
    assert sum(i.answerable for i in items) >= 120 and sum(not i.answerable for i in items) >= 40
    threshold = Settings(_env_file=None).decline_threshold  # type: ignore[call-arg]
    return score("event", "ours", pool, items, ours(pool, threshold))


def test_event_set_ranking_floor(event_scores) -> None:  # type: ignore[no-untyped-def]
    assert event_scores.p_at_1 >= 0.88
    assert event_scores.r_at_3 >= 0.96


def test_event_set_decline_floor(event_scores) -> None:  # type: ignore[no-untyped-def]
    assert event_scores.unanswerable_declined >= 0.93
    assert event_scores.answerable_declined <= 0.025
