"""Saving a knowledge base's index to disk and loading it back, so a restart does not rebuild it.

The folder holds plain NumPy arrays (no pickles) and a manifest naming the corpus content version the index was
built from and the SHA-256 of every file. A new folder is written beside the old one (`index.new`), every file
fsynced, the manifest last; then it is renamed into place and the parent folder fsynced. A kill at any point
leaves a complete folder under one of the three names (the old one, the new one, or the one moved aside), and the
loader takes the first that is whole and of the database's version. A loader that finds another version or a file
that is not the one saved (truncated, emptied, swapped, unreadable) logs why and returns None: the caller
rebuilds. It never raises.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bot.corpus.records import DocumentRef
from bot.search.centrality import SegmentShape
from bot.search.knowledge import ChunkTable, KnowledgeBase
from bot.search.retrieval import TfidfRetriever
from bot.search.synonyms import SynonymTable
from bot.storage.files import DamagedFile, fsync_folder, read_manifest, sha256_of, verified, write_manifest

FORMAT = 8  # 4: the retriever saves and loads itself (retriever.json); 5: the speech cue; 6: acronyms ("UN") indexed;
# 7: each sentence's vector length and similarity to its own document (centrality, for briefs); 8: a SHA-256 per
# file in the manifest, and each sentence's text key (the sentence vectors are kept under it)
log = logging.getLogger(__name__)


def save(knowledge: KnowledgeBase, folder: Path, *, version: str) -> None:
    """Write the index for corpus content `version`; the previous folder stays valid until the rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh, aside = _beside(folder, "new"), _beside(folder, "old")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    table = knowledge.table
    np.savez(fresh / "table.npz", ids=table.ids, documents=table.documents, positions=table.positions,
             offsets=table.offsets, keys=table.keys)
    np.savez(fresh / "centrality.npz", **{f"norms-{i}": s.norms for i, s in enumerate(knowledge.shapes)},
             **{f"own-{i}": s.own for i, s in enumerate(knowledge.shapes)})
    (fresh / "texts.bin").write_bytes(table.blob)
    (fresh / "surface.json").write_text(json.dumps(sorted(knowledge.surface)))
    knowledge.retriever.save(fresh)
    files = {}
    for path in sorted(fresh.iterdir()):
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())
        files[path.name] = sha256_of(path)
    write_manifest(fresh, {"format": FORMAT, "version": version, "sentences": len(table)}, files)
    shutil.rmtree(aside, ignore_errors=True)
    if folder.exists():
        os.replace(folder, aside)
    os.replace(fresh, folder)
    fsync_folder(folder.parent)
    shutil.rmtree(aside, ignore_errors=True)


def _beside(folder: Path, suffix: str) -> Path:
    return folder.with_name(f"{folder.name}.{suffix}")


def load(
    folder: Path,
    *,
    version: str,
    documents: Mapping[int, DocumentRef],
    inactive: set[int],
    synonyms: SynonymTable,
) -> KnowledgeBase | None:
    """The saved index if it was built from this corpus version and every file is the one saved; otherwise None,
    with the reason logged. (The synonym table only shapes queries: a saved index holds for any table.)"""
    reasons = []
    for candidate in (folder, _beside(folder, "new"), _beside(folder, "old")):
        if not candidate.is_dir():
            continue
        try:
            knowledge = _load(candidate, version, documents, inactive, synonyms)
        except DamagedFile as error:
            reasons.append(str(error))
            continue
        except Exception as error:  # noqa: BLE001 - whatever a damaged file raises, the index is rebuilt
            reasons.append(f"{candidate} is unreadable ({type(error).__name__}: {error})")
            continue
        if candidate != folder:
            log.info("the saved index was found in %s (a save was interrupted)", candidate)
        return knowledge
    if reasons:
        log.warning("the saved index is not used, it will be rebuilt: %s", "; ".join(reasons))
    return None


def _load(folder: Path, version: str, documents: Mapping[int, DocumentRef], inactive: set[int],
          synonyms: SynonymTable) -> KnowledgeBase:
    manifest = read_manifest(folder)
    if manifest.get("format") != FORMAT:
        raise DamagedFile(f"{folder} holds an index of format {manifest.get('format')}, not {FORMAT}")
    if manifest.get("version") != version:
        raise DamagedFile(f"{folder} holds the index of content version {manifest.get('version')}, "
                          f"the database is at {version}")
    for name in manifest["files"]:
        verified(folder, name, manifest)
    with np.load(folder / "table.npz", allow_pickle=False) as arrays:
        table = ChunkTable(arrays["ids"], arrays["documents"], arrays["positions"],
                           (folder / "texts.bin").read_bytes(), arrays["offsets"], arrays["keys"])
    rows = len(table.ids)
    if not (len(table.documents) == len(table.positions) == len(table.keys) == rows == len(table.offsets) - 1
            and int(table.offsets[-1]) == len(table.blob)) or rows != manifest.get("sentences"):
        raise DamagedFile(f"the arrays in {folder} do not agree in length")
    surface = json.loads((folder / "surface.json").read_text())
    retriever = TfidfRetriever.load(folder)
    with np.load(folder / "centrality.npz", allow_pickle=False) as arrays:
        shapes = [SegmentShape(arrays[f"norms-{i}"], arrays[f"own-{i}"]) for i in range(len(retriever.segments_))]
    if rows != sum(len(s.ids) for s in retriever.segments_) or any(
            len(shape.norms) != len(segment.ids) for shape, segment in zip(shapes, retriever.segments_)):
        raise DamagedFile(f"the index segments in {folder} do not hold the table's {rows} sentences")
    return KnowledgeBase(table, retriever, documents, synonyms=synonyms, inactive=inactive,
                         surface=surface, shapes=shapes)
