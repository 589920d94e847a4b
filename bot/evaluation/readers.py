"""Readers' chats with every kind of message (issue 29): each turn through `ask --json` chat lines, in order, as one
conversation, and marked right or wrong by what it should get.

Turn kinds and what is right:
- standalone / follow-up with gold strings: the first quote holds one (a decline is a miss); with none, a decline;
  a standalone turn must also get the same first quote as the same question asked alone;
- overview -> a brief; timeline -> a timeline; next -> what came next (a sequence); source -> the source;
- more -> more of what was shown last (`continues`: an answer, an overview or a timeline);
- sources-question -> the sources compared (or an answer), quoting a gold string when the turn has some;
- thanks, ack, vote, greeting, other-language -> that kind of reply, and no quote.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.chat.ask_lines import ask_line
from bot.evaluation.chats import asked_turns
from bot.evaluation.datasets import ROOT, correct
from bot.service import QAService
from bot.storage import Database

QUOTING = frozenset({"answer", "brief", "more", "sources_disagree", "sequence"})
# what each other turn kind should get (the reply's `kind` in ask --json)
EXPECTED = {"overview": {"brief"}, "timeline": {"timeline"}, "next": {"sequence"}, "source": {"source"},
            "sources-question": {"sources_disagree", "answer"}, "thanks": {"thanks"}, "ack": {"ack"},
            "vote": {"vote"}, "greeting": {"greeting"}, "other-language": {"other_language"}, "more": {"more"}}
CONTINUES = {"answer": "answer", "overview": "brief", "timeline": "timeline"}


def _quotes(record: dict[str, Any]) -> list[str]:
    if record.get("kind") not in QUOTING or not record.get("answered", True):
        return []
    quotes = [str(p["quote"]) for p in record.get("passages") or []]
    quotes += [str(e["quote"]) for e in record.get("events") or []]
    return quotes


def _first(record: dict[str, Any]) -> str | None:
    if record.get("kind") != "answer" or not record.get("answered"):
        return None
    passages = record.get("passages") or []
    return str(passages[0]["quote"]) if passages else None


@dataclass
class ReaderScores:
    """Shares right per turn kind, and the headline figures: answerable turns right (declines count as misses),
    follow-ups right, standalone turns as alone, and the other kinds handled right."""

    dataset: str
    turns: int
    answerable: int
    answerable_right: float
    follow_ups: int
    follow_up_right: float
    standalone_same: float
    unanswerable: int
    unanswerable_declined: float
    other_kinds: int
    other_kinds_right: float
    by_kind: dict[str, float] = field(default_factory=dict)
    ms_per_turn: float = 0.0
    misses: list[dict[str, Any]] = field(default_factory=list)


def score_readers(dataset: str, path: Path, threshold: float | None = None,
                  corpus: Path = ROOT / "corpus", *, keep_misses: bool = False) -> ReaderScores:
    service = QAService(Database.in_memory(), threshold=threshold, meaning=True)
    service.start(corpus)
    marks: dict[str, list[bool]] = {}
    misses: list[dict[str, Any]] = []

    def mark(name: str, right: bool, chat: str, turn: dict[str, Any], record: dict[str, Any]) -> None:
        marks.setdefault(name, []).append(right)
        if not right and keep_misses:
            misses.append({"chat": chat, "mark": name, "turn": turn, "reply": record})

    turns = 0
    started = time.perf_counter()
    for chat_id, turn, record, contexts in asked_turns(path, service):
        turns += 1
        kind, gold = turn["kind"], turn.get("a") or []
        if kind in ("standalone", "follow-up"):
            first = _first(record)
            if gold:
                right = first is not None and correct(first, gold)
                mark("answerable", right, chat_id, turn, record)
                mark(f"{kind} answerable", right, chat_id, turn, record)
            else:
                mark("unanswerable declined", not _quotes(record), chat_id, turn, record)
            if kind == "standalone":
                alone = ask_line(turn["q"], service, contexts, 3)
                mark("standalone same", _first(alone) == first, chat_id, turn, record)
            continue
        right = record.get("kind") in EXPECTED.get(kind, set())
        if kind == "more" and right and turn.get("continues"):
            right = record.get("continues") == CONTINUES.get(turn["continues"], turn["continues"])
        if kind == "sources-question" and right and gold:
            right = any(correct(q, gold) for q in _quotes(record))
        if kind in ("thanks", "ack", "vote", "greeting", "other-language"):
            right = right and not _quotes(record)
        mark(kind, right, chat_id, turn, record)
        mark("other kinds", right, chat_id, turn, record)
    elapsed = time.perf_counter() - started

    def share(name: str) -> float:
        values = marks.get(name, [])
        return sum(values) / len(values) if values else 0.0

    kinds = sorted(k for k in marks if k in EXPECTED)
    return ReaderScores(
        dataset, turns, len(marks.get("answerable", [])), share("answerable"),
        len(marks.get("follow-up answerable", [])), share("follow-up answerable"), share("standalone same"),
        len(marks.get("unanswerable declined", [])), share("unanswerable declined"),
        len(marks.get("other kinds", [])), share("other kinds"), {k: round(share(k), 3) for k in kinds},
        1000 * elapsed / max(turns, 1), misses)


def readers_table(results: Sequence[ReaderScores]) -> str:
    header = ["chats", "turns", "answerable right", "follow-ups right", "standalone same as alone",
              "unanswerable declined", "other kinds right", "ms/turn"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        lines.append(f"| {r.dataset} | {r.turns} | {r.answerable_right:.3f} ({r.answerable}) | "
                     f"{r.follow_up_right:.3f} ({r.follow_ups}) | {r.standalone_same:.3f} | "
                     f"{r.unanswerable_declined:.3f} ({r.unanswerable}) | {r.other_kinds_right:.3f} ({r.other_kinds}) | "
                     f"{r.ms_per_turn:.1f} |")
    for r in results:
        lines.append(f"\n{r.dataset}, other kinds: " + ", ".join(f"{k} {v:.2f}" for k, v in r.by_kind.items()))
    return "\n".join(lines)
