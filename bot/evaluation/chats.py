"""Whole chats: every turn of a reader's chat through `ask --json` chat lines, as one conversation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.chat.ask_lines import ask_line
from bot.chat.topics import Contexts
from bot.evaluation.datasets import ROOT, correct, load_dialogues
from bot.service import QAService
from bot.storage import Database


QUOTING_KINDS = frozenset({"answer", "brief", "more"})


@dataclass
class ChatScores:
    """Per chat set: `standalone_same` is the share of standalone turns whose in-chat reply (first quote, or a
    decline) is what the same question gets alone; P@1 counts a turn right when its first quote holds a gold
    string; `no_quote` is the share of noise, vote and other-language turns that quote nothing; `more_ok`,
    `source_ok`, `vote_ok` and `language_ok` whether those turns were understood as such."""

    dataset: str
    turns: int
    standalone: int
    standalone_same: float
    standalone_p_at_1: float
    standalone_unanswerable_declined: float
    follow_ups: int
    follow_up_p_at_1: float
    follow_up_unanswerable_declined: float
    noise: int
    no_quote: float
    vote_ok: float
    more_ok: float
    source_ok: float
    language_ok: float
    ms_per_turn: float = 0.0


def _first_quote(record: dict[str, Any]) -> str | None:
    if record.get("kind", "answer") in QUOTING_KINDS and record.get("answered") and record.get("passages"):
        return str(record["passages"][0]["quote"])
    return None


def asked_turns(path: Path, service: QAService) -> Iterator[tuple[str, dict[str, Any], dict[str, Any], Contexts]]:
    """Each turn of each chat in `path` asked as an `ask --json` chat line, in order, one conversation per chat:
    (chat id, turn, reply record, the chat's contexts)."""
    for chat in load_dialogues(path):
        contexts = Contexts()
        for turn in chat["turns"]:
            yield chat["id"], turn, ask_line(json.dumps({"chat": chat["id"], "question": turn["q"]}), service,
                                             contexts, 3), contexts


def score_chats(dataset: str, path: Path, threshold: float, corpus: Path = ROOT / "corpus") -> ChatScores:
    """Each chat's turns go through `ask --json` chat lines, in order, as one conversation; each standalone turn
    is also asked alone, as a plain line."""
    service = QAService(Database.in_memory(), threshold=threshold, meaning=True)
    service.start(corpus)
    hits: dict[str, list[bool]] = {}

    def add(name: str, value: bool) -> None:
        hits.setdefault(name, []).append(value)

    turns = 0
    started = time.perf_counter()
    for _, turn, record, contexts in asked_turns(path, service):
        turns += 1
        first, kind = _first_quote(record), turn["kind"]
        if kind in ("standalone", "follow-up"):
            if turn["a"]:
                add(f"{kind} p@1", first is not None and correct(first, turn["a"]))
            else:
                add(f"{kind} declined", first is None)
            if kind == "standalone":
                add("same", _first_quote(ask_line(turn["q"], service, contexts, 3)) == first)
            continue
        if kind in ("noise", "vote", "other-language"):
            add("no quote", first is None)
        # "then what" asks for more of the story: the events after the last quote answer it as well as More
        expected = {"vote": {"vote"}, "more": {"more", "sequence"}, "source": {"source"},
                    "other-language": {"other_language"}}
        if kind in expected:
            add(kind, record.get("kind") in expected[kind])
    elapsed = time.perf_counter() - started

    def share(name: str) -> float:
        values = hits.get(name, [])
        return sum(values) / len(values) if values else 0.0

    standalone = len(hits.get("same", []))
    follow_ups = len(hits.get("follow-up p@1", [])) + len(hits.get("follow-up declined", []))
    return ChatScores(dataset, turns, standalone, share("same"), share("standalone p@1"), share("standalone declined"),
                      follow_ups, share("follow-up p@1"), share("follow-up declined"), len(hits.get("no quote", [])),
                      share("no quote"), share("vote"), share("more"), share("source"), share("other-language"),
                      1000 * elapsed / max(turns, 1))


def chat_table(results: Sequence[ChatScores]) -> str:
    header = ["chats", "turns", "standalone same as alone", "standalone P@1", "standalone unans. declined",
              "follow-up P@1", "follow-up unans. declined", "noise: no quote", "votes", "more", "source?",
              "other language", "ms/turn"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        cells = [r.dataset, str(r.turns), f"{r.standalone_same:.3f}", f"{r.standalone_p_at_1:.3f}",
                 f"{r.standalone_unanswerable_declined:.3f}", f"{r.follow_up_p_at_1:.3f}",
                 f"{r.follow_up_unanswerable_declined:.3f}", f"{r.no_quote:.3f}", f"{r.vote_ok:.3f}",
                 f"{r.more_ok:.3f}", f"{r.source_ok:.3f}", f"{r.language_ok:.3f}", f"{r.ms_per_turn:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
