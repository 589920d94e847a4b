"""The questions-per-day chart for /stats, drawn headless with matplotlib."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def questions_per_day(per_day: Sequence[tuple[dt.date, int, int]]) -> bytes:
    """A PNG of answered against declined questions, one stacked bar a day."""
    days = [d for d, _, _ in per_day]
    answered = [a for _, a, _ in per_day]
    declined = [n for _, _, n in per_day]
    figure, axes = plt.subplots(figsize=(8, 3.5), dpi=100)
    try:
        axes.bar(days, answered, color="#2e7d32", label="answered")
        axes.bar(days, declined, bottom=answered, color="#c62828", label="declined")
        axes.set_title("Questions per day")
        axes.set_ylabel("questions")
        axes.legend(loc="upper left")
        axes.yaxis.get_major_locator().set_params(integer=True)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
