"""The sets the answer-quality benchmark scores, where they are, how they are read, and what counts as right.

Datasets: the team's event set and its held-out sets (benchmarks/data/event_*.jsonl against corpus/), SQuAD v1.1
pooled (every sentence of every article in one index; a hit is a sentence containing a gold answer), the SQuAD
2.0 two-article sample (declines), and the dialogue and chat sets (benchmarks/data/dialogues_*.jsonl,
chats_*.jsonl).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus.chunking import chunk_text
from bot.corpus.documents import list_files, read_file
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search.synonyms import SynonymTable

ROOT = Path(__file__).resolve().parents[2]
EVENT_SET = ROOT / "benchmarks" / "data" / "event_questions.jsonl"
# Written after the development set was tuned on; scored unseen once, then its misses informed the decline rule.
EVENT_HOLDOUT = ROOT / "benchmarks" / "data" / "event_holdout.jsonl"
# Written before the last round of changes and scored only at its end: questions nobody tuned on.
EVENT_HOLDOUT2 = ROOT / "benchmarks" / "data" / "event_holdout2.jsonl"
# Written in readers' words before the answer-quality work of issue 12, scored once at its end.
EVENT_HOLDOUT3 = ROOT / "benchmarks" / "data" / "event_holdout3.jsonl"
# Written at the start of the second answer-quality round, before any change; scored unseen at its end.
EVENT_HOLDOUT4 = ROOT / "benchmarks" / "data" / "event_holdout4.jsonl"
# Written at the start of the third round (slang, misspellings); scored unseen at its end.
EVENT_HOLDOUT5 = ROOT / "benchmarks" / "data" / "event_holdout5.jsonl"
# Written at the start of the fourth round, before any change; scored unseen at its end.
EVENT_HOLDOUT6 = ROOT / "benchmarks" / "data" / "event_holdout6.jsonl"
SQUAD = ROOT / "benchmarks" / "data" / "squad"  # kept in the repository, CC BY-SA 4.0 (its README)
# Written at the start of the meaning-layer round (issue 21), before any change; scored once, at its end.
EVENT_HOLDOUT7 = ROOT / "benchmarks" / "data" / "event_holdout7.jsonl"
# Written by three helpers at the start of the answer-model round (issue 28), from the two articles and readers'
# styles alone, to train the answer model on (never scored as held-out).
EVENT_TRAIN = {name: ROOT / "benchmarks" / "data" / f"event_train_{name}.jsonl" for name in ("a", "b", "c")}
# Written at the start of the answer-model round (issue 28), before any change; scored once, at its end.
EVENT_HOLDOUT8 = ROOT / "benchmarks" / "data" / "event_holdout8.jsonl"
DIALOGUES_DEV = ROOT / "benchmarks" / "data" / "dialogues_dev.jsonl"
# Written before any conversation code and scored once, at the end of that work.
DIALOGUES_HOLDOUT = ROOT / "benchmarks" / "data" / "dialogues_holdout.jsonl"
CHATS_DEV = ROOT / "benchmarks" / "data" / "chats_dev.jsonl"
# Written before the conversation round of issue 23 (readers' style, noise, votes, "more", "source?") and
# scored once, at its end.
CHATS_HOLDOUT = ROOT / "benchmarks" / "data" / "chats_holdout.jsonl"
# Readers' chats (a student, a Kyrgyz reader in the diaspora, a fact-checker) with every message kind: a development
# set written at the start of issue 29's round, and a holdout written before any change and scored once, at its end.
READERS_DEV = ROOT / "benchmarks" / "data" / "readers_dev.jsonl"
READERS_HOLDOUT = ROOT / "benchmarks" / "data" / "readers_holdout.jsonl"
# Labelled messages for the message-kind classifier: three writers' to learn from, a fourth's held out.
KINDS_TRAIN = ROOT / "benchmarks" / "data" / "kinds" / "train.jsonl"
KINDS_HOLDOUT = ROOT / "benchmarks" / "data" / "kinds" / "holdout.jsonl"
K = 10
KEY = """How to read these tables (higher is better unless it says otherwise):
  P@1      share of answerable questions whose first quote holds a gold answer: what a user sees
  R@3      share whose gold answer is among the first three passages (what More reaches)
  MRR@10   mean of 1/rank of the first right passage in the top ten (0 when none is)
  unans. declined   share of questions the sources cannot answer that the bot declined (higher is better)
  ans. declined     share of answerable questions it declined although the sources say it (LOWER is better)
  decl. prec./rec.  of the declines, the share that were right / of the unanswerable, the share declined
  Baselines (sklearn, bm25s) never decline: their decline columns are '-'.
  Dialogues and chats: follow-up P@1 is the first quote of a question read in the chat's context; in chats,
  'standalone same as alone' must be 1.000 (context never changes a question that stands on its own) and
  'noise: no quote' the share of 👍, 'ok', '?' and other-language turns answered without a quote."""



@dataclass(frozen=True)
class Item:
    question: str
    answers: tuple[str, ...]  # empty: the text cannot answer it

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass
class Pool:
    rows: list[ChunkRow]
    documents: dict[int, DocumentRef]
    synonyms: SynonymTable = field(default_factory=SynonymTable)



def pool_from_texts(texts: Sequence[tuple[str, str]]) -> Pool:
    """(title, text) documents -> sentence rows, one document per text."""
    rows: list[ChunkRow] = []
    documents: dict[int, DocumentRef] = {}
    for doc_id, (title, text) in enumerate(texts, start=1):
        documents[doc_id] = DocumentRef(doc_id, title)
        for chunk in chunk_text(text):
            rows.append(ChunkRow(len(rows) + 1, doc_id, chunk.position, chunk.text))
    return Pool(rows, documents)


def load_event(path: Path = EVENT_SET, corpus: Path = ROOT / "corpus") -> tuple[Pool, list[Item]]:
    records = [read_file(p) for p in list_files(corpus)]
    pool = pool_from_texts([(r.title, r.text) for r in records])
    pool.documents = {i: DocumentRef(i, r.title, r.publisher, r.date, r.url)  # as the bot knows them
                      for i, r in enumerate(records, start=1)}
    pool.synonyms = SynonymTable.load(corpus)
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            items.append(Item(data["q"], tuple(data["a"] or ())))
    return pool, items


def load_squad(path: Path) -> tuple[Pool, list[Item]]:
    data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))["data"]
    texts: list[tuple[str, str]] = []
    items: list[Item] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            texts.append((article["title"], paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = () if qa.get("is_impossible") else tuple({a["text"] for a in qa["answers"]})
                items.append(Item(qa["question"], answers))
    return pool_from_texts(texts), items



def correct(quote: str, answers: Sequence[str]) -> bool:
    folded = quote.casefold()
    return any(a.casefold() in folded for a in answers)



def load_dialogues(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

