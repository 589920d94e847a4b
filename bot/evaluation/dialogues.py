"""Dialogues: the second and third turns of short conversations, each read in the light of the ones before."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answers.answering import Answerer
from bot.answers.in_context import Reading, answer_readings, shared_chooser
from bot.chat.followups import ask_in_context
from bot.chat.topics import Contexts
from bot.evaluation.datasets import K, correct, load_dialogues, load_event
from bot.evaluation.events import pool_vectors
from bot.search import KnowledgeBase
from bot.service import LoggedAnswer


@dataclass
class DialogueScores:
    dataset: str
    method: str
    follow_ups: int
    follow_up_p_at_1: float
    changes: int
    change_p_at_1: float
    unanswerable: int
    unanswerable_declined: float
    ms_per_turn: float = 0.0


class _BareAnswerer:
    """An `Answerer` with the face answering in context needs (what `QAService.answer_in_context` does, unlogged)."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.knowledge = answerer.knowledge

    def answer_in_context(self, question: str, readings: Sequence[Reading], *, top_k: int | None = None,
                          shown: Sequence[int] = ()) -> tuple[LoggedAnswer, Reading]:
        answer, reading = answer_readings(self.answerer, question, readings, top_k, shown=shown,
                                          chooser=shared_chooser())
        return LoggedAnswer(answer, None), reading


def score_dialogues(dataset: str, path: Path, threshold: float | None, *, context: bool = True) -> DialogueScores:
    """Second and third turns: P@1 of follow-ups (the quote first shown is right, and it is shown), P@1 of
    questions that change the subject, and the share of unanswerable follow-ups declined (with the meaning layer, as
    the bot answers)."""
    pool, _ = load_event()
    knowledge = KnowledgeBase.build(pool.rows, pool.documents, synonyms=pool.synonyms)
    answerer = _BareAnswerer(Answerer(knowledge, threshold=threshold, top_k=K, vectors=pool_vectors(pool, knowledge)))
    text_of = {r.chunk_id: r.text for r in pool.rows}
    hits: dict[str, list[bool]] = {"follow-up": [], "change": [], "unanswerable": []}
    turns = 0
    started = time.perf_counter()
    for dialogue in load_dialogues(path):
        contexts = Contexts() if context else None
        for number, turn in enumerate(dialogue["turns"]):
            answer, _ = ask_in_context(answerer, turn["q"], contexts, "chat")
            turns += 1
            if number == 0:
                continue
            if dialogue["kind"] == "unanswerable":
                hits["unanswerable"].append(not answer.answered)
            else:
                right = bool(answer.answered and answer.passages
                             and correct(text_of[answer.passages[0].chunk_id], turn["a"]))
                hits[dialogue["kind"]].append(right)
    elapsed = time.perf_counter() - started

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    return DialogueScores(dataset, "ours" if context else "ours, no context", len(hits["follow-up"]),
                          share(hits["follow-up"]), len(hits["change"]), share(hits["change"]),
                          len(hits["unanswerable"]), share(hits["unanswerable"]), 1000 * elapsed / max(turns, 1))


def dialogue_table(results: Sequence[DialogueScores]) -> str:
    lines = ["| dialogues | method | follow-ups | follow-up P@1 | subject changes | change P@1 | unanswerable "
             "follow-ups | declined | ms/turn |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.dataset} | {r.method} | {r.follow_ups} | {r.follow_up_p_at_1:.3f} | {r.changes} | "
                     f"{r.change_p_at_1:.3f} | {r.unanswerable} | {r.unanswerable_declined:.3f} | "
                     f"{r.ms_per_turn:.2f} |")
    return "\n".join(lines)
