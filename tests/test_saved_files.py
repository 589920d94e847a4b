"""Files that survive a crash (issue 30, findings 1, 8 and 9): the saved index and sentence vectors are written
whole or not at all, tied to the sentences they were made from, and a damaged or foreign file is never a crash and
never used: the bot starts, answers as it should, says why in the log and makes again what was lost."""

from __future__ import annotations

import errno
import io
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.answers.features import candidates
from bot.corpus.documents import DocumentRecord
from bot.search.encoder import SentenceEncoder
from bot.service import QAService
from bot.storage import Database

from .conftest import CORPUS

QUESTIONS = [json.loads(line)["q"] for line in (CORPUS.parent / "benchmarks" / "data" / "event_questions.jsonl")
             .read_text().splitlines() if line.strip()][::2]


def start(data: Path, corpus: Path = CORPUS) -> QAService:
    service = QAService(Database(f"sqlite:///{data / 'db.sqlite3'}"), index_dir=data / "index", meaning=True)
    service.start(corpus)
    return service


def answers(service: QAService) -> list[dict[str, Any]]:
    return [service.answer(q).to_dict() for q in QUESTIONS]


def saved_files(data: Path) -> list[Path]:
    """Every file the bot saved besides its database (the index and the sentence vectors, wherever they are)."""
    return sorted(p for p in data.rglob("*") if p.is_file() and not p.name.startswith("db.sqlite3"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], Path]:
    """A data folder saved by a clean run, the answers it gives, and another corpus's data folder (the same
    sources behind a new first document, so that every chunk id stands for another sentence there)."""
    data = tmp_path_factory.mktemp("saved")
    service = start(data)
    service.flush()
    expected = answers(service)
    service.database.dispose()
    corpus = tmp_path_factory.mktemp("other-corpus")
    (corpus / "aaa-leopards.txt").write_text("title: Leopards\n\n" + " ".join(
        f"Rangers counted {i} snow leopards near the border post number {i}." for i in range(40)))
    for path in CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    other = tmp_path_factory.mktemp("other")
    start(other, corpus).flush()
    return data, expected, other


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every sentence or word the model encodes from now on."""
    texts: list[str] = []
    original = SentenceEncoder.encode

    def encode(self: SentenceEncoder, batch: Any) -> np.ndarray:
        texts.extend(batch)
        return original(self, batch)

    monkeypatch.setattr(SentenceEncoder, "encode", encode)
    yield texts


DAMAGES: dict[str, Callable[[Path, Path], None]] = {
    "truncated": lambda path, _: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "empty": lambda path, _: path.write_bytes(b""),
    "not a zip": lambda path, _: path.write_bytes(b"this is not what was saved\n" * 20),
    "swapped from another corpus": lambda path, other: shutil.copy(other, path),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_or_foreign_saved_file_is_never_a_crash_nor_used(
        damage: str, reference: tuple[Path, list[dict[str, Any]], Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture, counting: list[str]) -> None:
    """Finding 1: a kill during the save left a truncated vectors.npz and every start failed ("File is not a zip
    file"); a truncated texts.bin answered wrongly; a vectors.npz from another corpus was used silently."""
    saved, expected, other = reference
    names = [p.relative_to(saved) for p in saved_files(saved)]
    assert len(names) >= 8
    for name in names:
        data = tmp_path / str(name).replace("/", "_")
        shutil.copytree(saved, data)
        foreign = other / name
        if damage == "swapped from another corpus" and not foreign.exists():
            continue
        DAMAGES[damage](data / name, foreign)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            service = start(data)
        assert service.vectors is not None
        assert service.vectors.wait(60)
        assert answers(service) == expected, f"{name} {damage}: the answers changed"
        if name.name != "manifest.json" or damage != "swapped from another corpus":
            assert any(str(name.name) in r.getMessage() or "not used" in r.getMessage() or "left out" in
                       r.getMessage() for r in caplog.records), f"{name} {damage}: nothing says why"
        service.flush()
        service.database.dispose()
        counting.clear()
        again = start(data)  # what was lost was made again and saved: the next start makes nothing
        assert again.index.loaded_from_disk and again.vectors is not None and again.vectors.wait(60)
        sentences = {again.knowledge.table.text(i) for i in range(len(again.knowledge.table))}
        assert not sentences & set(counting), f"{name} {damage}: vectors made again at the next start"
        again.database.dispose()
        shutil.rmtree(data)


def test_reindex_keeps_the_vectors_of_unchanged_sentences(tmp_path: Path, counting: list[str]) -> None:
    """Finding 9: /reindex deleted the saved vectors, so a start after a crash made every one again."""
    service = start(tmp_path)
    service.rebuild()
    service.database.dispose()  # and the process dies: no clean stop
    counting.clear()
    again = start(tmp_path)
    sentences = {again.knowledge.table.text(i) for i in range(len(again.knowledge.table))}
    assert not sentences & set(counting), f"{len(sentences & set(counting))} sentence vectors were made again"


def test_vectors_are_saved_while_they_are_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               counting: list[str]) -> None:
    """Finding 9: vectors made in the background were saved only at a clean stop: after a crash every one was made
    again (about 2.5 hours per million sentences)."""
    import bot.service

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "herders.txt").write_text("title: Herders\n\n" + " ".join(
        f"Report {i} says herder {i} moved {i % 7} flocks to pasture {i % 13}." for i in range(1500)))
    monkeypatch.setattr(bot.service, "FOREGROUND_VECTORS", 10)  # made in the background, as for a large corpus
    service = QAService(Database(f"sqlite:///{tmp_path / 'db.sqlite3'}"), index_dir=tmp_path / "index",
                        meaning=True)
    assert service.vectors is not None
    service.vectors.checkpoint_seconds = 0.0
    service.start(corpus)
    began = time.monotonic()
    while len(service.vectors._sentences.keys) < 1024 and time.monotonic() - began < 120:  # noqa: SLF001
        time.sleep(0.05)
    service.vectors.stop()  # the process dies here: no clean stop, nothing flushed
    assert len(service.vectors._sentences.keys) >= 1024  # noqa: SLF001
    service.database.dispose()
    counting.clear()
    again = QAService(Database(f"sqlite:///{tmp_path / 'db.sqlite3'}"), index_dir=tmp_path / "index",
                      meaning=True)
    again.start(corpus)
    assert again.vectors is not None and again.vectors.wait(120)
    remade = len(set(counting) & {again.knowledge.table.text(i) for i in range(len(again.knowledge.table))})
    assert remade <= len(again.knowledge.table) - 1024, f"{remade} of {len(again.knowledge.table)} made again"


def test_an_updated_document_gets_vectors_of_its_new_sentences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 8: an updated document's sentences reuse the old chunk ids, and vectors were kept by id: its new
    sentences were re-ranked with the old sentences' vectors (cosine about 0 with their own text), across restarts."""
    first = [f"Rangers counted {n} snow leopards in the Sarychat reserve this spring." for n in
             ("seventeen", "twelve", "nine", "forty", "six", "thirty")]
    second = [f"Engineers said the {n} dam on the Naryn river would open in {year}." for n, year in
              (("Kambarata", 2027), ("Toktogul", 2028), ("Kurpsai", 2029), ("Tash-Kumyr", 2030), ("Shamaldy", 2031),
               ("Uch-Kurgan", 2032))]
    service = start(tmp_path)
    for sentences in (first, second):
        service.add_document(DocumentRecord(title="Field notes", text=" ".join(sentences), source="notes.txt"),
                             added_by="test")
    service.flush()

    def check(running: QAService) -> None:
        assert running.vectors is not None and running.vectors.wait(60)
        for question in ("When will the Kambarata dam open?", "Which dam on the Naryn river opens in 2030?",
                         "What did engineers say about the Toktogul dam?"):
            found = candidates(running.knowledge, running.vectors, question)  # what the answer model reads
            assert found.with_meaning and len(found) > 1
            keys = running.knowledge.table.keys_of(found.chunk_ids)
            vectors = running.vectors.sentences(keys)  # type: ignore[arg-type]
            assert vectors is not None
            texts = [running.knowledge.chunk(i).text for i in found.chunk_ids]  # type: ignore[union-attr]
            made = running.vectors.encoder.encode(texts)
            cosines = np.sum(made * vectors, axis=1)
            assert cosines.min() > 0.99, list(zip(texts, cosines.round(2)))

    check(service)
    service.database.dispose()
    check(start(tmp_path))  # and after a restart, from the saved files


def test_a_full_disk_while_saving_costs_no_stored_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """Finding 1: on a full disk the admin got "something went wrong" for a document that was stored."""
    service = start(tmp_path)
    opener = io.open

    def full(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+") and str(tmp_path) in str(file) and "sqlite" not in str(file):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return opener(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", full)
    monkeypatch.setattr("builtins.open", full)
    with caplog.at_level(logging.WARNING):
        result = service.add_document(DocumentRecord(title="Leopards", text="Rangers counted seventeen snow "
                                                     "leopards in the Sarychat reserve."), added_by="test")
        service.flush()
    monkeypatch.undo()
    assert service.answer("How many snow leopards did the rangers count?").passages[0].document.id == result.document_id
    assert any("No space left" in r.getMessage() for r in caplog.records)
    service.database.dispose()
    restarted = start(tmp_path)  # the saved files are the old ones, whole: the new document is indexed again
    assert restarted.answer("How many snow leopards did the rangers count?").passages[0].document.id == \
        result.document_id


class FastEncoder:
    """A stand-in for the model that makes a vector in microseconds (the same one for the same text, in any
    process), so that a corpus large enough for a save to take a while gets its vectors at once."""

    dimensions = 384

    def __init__(self) -> None:
        self.made = 0

    def encode(self, texts: Any) -> np.ndarray:
        self.made += len(texts)
        out = np.empty((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(__import__("hashlib").blake2b(str(text).encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            out[row] = vector / np.linalg.norm(vector)
        return out


SAVER = """
import os, sys, time
from pathlib import Path
import bot.service
from bot.search import index_files
from bot.service import QAService
from bot.storage import Database
from tests.test_saved_files import FastEncoder

pristine, target, db = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
fsync = os.fsync
os.fsync = lambda fd: (time.sleep(0.04), fsync(fd))  # a slow disk: the kills land in every stage of the save
bot.service.FOREGROUND_VECTORS = 10**9
service = QAService(Database(db), index_dir=pristine / "index", meaning=True)
service.vectors.encoder = FastEncoder()
service.start(None)
assert service.index.loaded_from_disk
print("saving", flush=True)
began = time.monotonic()
index_files.save(service.knowledge, target / "index", version=str(service.index.version))
service.vectors.save(target / ("index-vectors" if hasattr(service, "vectors_dir") else "index"))
print(f"saved {time.monotonic() - began:.3f}", flush=True)
"""
KILL_QUESTIONS = ["How many people were admitted to hospital?", "Who is Kursan Asanov?",
                  "How many flocks did herder 12345 move?", "What did the health ministry say?"]


def fast_service(db: str, data: Path, monkeypatch: pytest.MonkeyPatch) -> QAService:
    import bot.service

    monkeypatch.setattr(bot.service, "FOREGROUND_VECTORS", 10**9)
    service = QAService(Database(db), index_dir=data / "index", meaning=True)
    assert service.vectors is not None
    service.vectors.encoder = FastEncoder()  # type: ignore[assignment]
    service.start(None)
    return service


def made_again(service: QAService) -> int:
    return service.vectors.encoder.made  # type: ignore[union-attr]


def test_a_kill_at_any_moment_of_a_save_is_survived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's target: a process saving an index and its vectors (on a disk slowed to 40 ms per fsync, so that
    the save takes about a second and the kills land in each of its stages) is killed every 0.1 s over the save,
    half the times over files saved before, half the times over none; each time the bot starts, answers as
    before, and makes again and saves what was lost."""
    import os
    import signal
    import subprocess
    import sys

    from .conftest import ROOT

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    for part in range(20):
        (corpus / f"herders-{part:02d}.txt").write_text(f"title: Herders {part}\n\n" + " ".join(
            f"Report {i} says herder {i} moved {i % 7} flocks to the pasture of {['Naryn', 'Talas', 'Osh'][i % 3]} "
            f"in week {i % 52}." for i in range(part * 1000, part * 1000 + 1000)))
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    pristine = tmp_path / "pristine"
    built = QAService(Database(db), index_dir=pristine / "index", meaning=True)
    assert built.vectors is not None
    built.vectors.encoder = FastEncoder()  # type: ignore[assignment]
    monkeypatch.setattr("bot.service.FOREGROUND_VECTORS", 10**9)
    built.start(corpus)
    built.flush()
    expected = [built.answer(q).to_dict() for q in KILL_QUESTIONS]
    assert "herder 12345" in expected[2]["passages"][0]["quote"]
    built.database.dispose()

    def saver(target: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", SAVER, str(pristine), str(target), db], cwd=ROOT,
                                   stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert process.stdout is not None and process.stdout.readline().strip() == "saving"
        return process

    calibration = tmp_path / "calibration"
    process = saver(calibration)
    took = float(process.stdout.readline().split()[1])  # type: ignore[union-attr]
    process.wait(30)
    assert took > 0.5, f"the save took {took:.2f} s: too short to be killed in it"
    moments = [i / 10 for i in range(int(took * 10) + 2)]
    outcomes: list[str] = []
    for number, moment in enumerate(moments):
        data = tmp_path / f"kill-{number}"
        if number % 2:  # over files saved before (the old ones must survive whole)
            shutil.copytree(calibration, data)
        process = saver(data)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        left = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
        started = fast_service(db, data, monkeypatch)
        outcomes.append(f"{moment:.1f} s over {'old files' if number % 2 else 'nothing'}: "
                        f"{'index loaded' if started.index.loaded_from_disk else 'index rebuilt'}, "
                        f"{made_again(started)} vectors made again, "
                        f"{len(left)} files left")
        assert [started.answer(q).to_dict() for q in KILL_QUESTIONS] == expected, f"killed at {moment:.1f} s"
        assert started.vectors is not None and started.vectors.wait(60)
        started.flush()
        assert started.vectors.missing(started.knowledge.table.keys).size == 0
        started.database.dispose()
        again = fast_service(db, data, monkeypatch)  # what was lost was made again and saved
        assert again.index.loaded_from_disk, f"killed at {moment:.1f} s: the index was not saved again"
        assert again.vectors is not None and again.vectors.missing(again.knowledge.table.keys).size == 0
        assert made_again(again) == 0, f"killed at {moment:.1f} s: the vectors made again were not saved"
        again.database.dispose()
        shutil.rmtree(data)
    print(f"\nkilled during a save of {took:.2f} s:\n" + "\n".join(outcomes))
