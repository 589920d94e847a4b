"""A floor under answer quality, a little under the measured figures, so that a regression fails CI.

Since issue 28 the answer model is trained on these sets (`python -m bot train`), so these are figures of fit, not
results: a retrained model that fits them worse, or a change to the features that the model no longer matches,
fails here. The results are the cross-validated figures in bot/answers/answer_model.json and the held-out sets
written after training (docs/quality.md). The full benchmark with baselines is `python -m bot eval`."""

from pathlib import Path

import pytest

from bot.evaluation import (EVENT_HOLDOUT, EVENT_HOLDOUT2, EVENT_HOLDOUT3, EVENT_HOLDOUT4, EVENT_HOLDOUT5, EVENT_HOLDOUT6,
                            EVENT_SET, Scores, load_event, ours, score)

# set -> (P@1, R@3, unanswerable declined at least, answerable declined at most), with the meaning layer on
FLOORS = {
    EVENT_SET: (0.93, 0.98, 0.87, 0.01),
    EVENT_HOLDOUT: (0.88, 0.98, 0.9, 0.01),
    EVENT_HOLDOUT2: (0.96, 0.98, 0.82, 0.03),
    EVENT_HOLDOUT3: (0.91, 0.94, 0.76, 0.04),
    EVENT_HOLDOUT4: (0.91, 0.97, 0.82, 0.04),
    EVENT_HOLDOUT5: (0.82, 0.91, 0.8, 0.07),
    EVENT_HOLDOUT6: (0.81, 0.96, 0.71, 0.05),
}
# the same with MEANING=off (the lexical model)
LEXICAL_FLOORS = {
    EVENT_SET: (0.9, 0.98, 0.92, 0.01),
    EVENT_HOLDOUT: (0.77, 0.96, 0.74, 0.03),
    EVENT_HOLDOUT2: (0.79, 0.89, 0.82, 0.06),
    EVENT_HOLDOUT3: (0.77, 0.86, 0.76, 0.1),
    EVENT_HOLDOUT4: (0.77, 0.93, 0.86, 0.03),
    EVENT_HOLDOUT5: (0.55, 0.8, 0.67, 0.16),
    EVENT_HOLDOUT6: (0.66, 0.91, 0.62, 0.11),
}


def scores(path: Path, *, meaning: bool = True) -> Scores:
    pool, items = load_event(path)
    return score(path.stem, "ours", pool, items, ours(pool, None, meaning=meaning))


@pytest.mark.parametrize("meaning", [True, False], ids=["meaning", "lexical"])
@pytest.mark.parametrize("path", list(FLOORS), ids=lambda p: p.stem)
def test_quality_floor(path: Path, meaning: bool) -> None:
    p_at_1, r_at_3, unanswerable, answerable = (FLOORS if meaning else LEXICAL_FLOORS)[path]
    result = scores(path, meaning=meaning)
    assert result.p_at_1 >= p_at_1 and result.r_at_3 >= r_at_3
    assert result.unanswerable_declined is not None and result.unanswerable_declined >= unanswerable
    assert result.answerable_declined is not None and result.answerable_declined <= answerable


def test_the_development_set_is_the_size_it_claims() -> None:
    pool, items = load_event(EVENT_SET)
    assert sum(i.answerable for i in items) >= 120 and sum(not i.answerable for i in items) >= 40
