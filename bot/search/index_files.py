"""Saving a knowledge base's index to disk and loading it back, so a restart does not rebuild it.

The folder holds plain NumPy arrays (no pickles) and a manifest naming the corpus
content version and synonym table the index was built from; a loader that finds
another version, another table or a damaged folder returns None and the caller
rebuilds. A new folder is written beside the old one and renamed into place.
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

FORMAT = 7  # 4: the retriever saves and loads itself (retriever.json); 5: the speech cue; 6: acronyms ("UN") indexed;
# 7: each sentence's vector length and similarity to its own document (centrality, for briefs)
log = logging.getLogger(__name__)


def save(knowledge: KnowledgeBase, folder: Path, *, version: str) -> None:
    """Write the index for corpus content `version`; the previous folder stays valid until the rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = folder.with_name(folder.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    table = knowledge.table
    np.savez(fresh / "table.npz", ids=table.ids, documents=table.documents, positions=table.positions,
             offsets=table.offsets)
    np.savez(fresh / "centrality.npz", **{f"norms-{i}": s.norms for i, s in enumerate(knowledge.shapes)},
             **{f"own-{i}": s.own for i, s in enumerate(knowledge.shapes)})
    (fresh / "texts.bin").write_bytes(table.blob)
    (fresh / "surface.json").write_text(json.dumps(sorted(knowledge.surface)))
    knowledge.retriever.save(fresh)
    manifest = {"format": FORMAT, "version": version}
    (fresh / "manifest.json").write_text(json.dumps(manifest))
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)


def load(
    folder: Path,
    *,
    version: str,
    documents: Mapping[int, DocumentRef],
    inactive: set[int],
    synonyms: SynonymTable,
) -> KnowledgeBase | None:
    """The saved index if it was built from this corpus version and synonym table; otherwise None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != FORMAT or manifest.get("version") != version:
        return None  # (the synonym table only shapes queries: the saved index holds for any table)
    try:
        with np.load(folder / "table.npz") as arrays:
            table = ChunkTable(arrays["ids"], arrays["documents"], arrays["positions"],
                               (folder / "texts.bin").read_bytes(), arrays["offsets"])
        surface = json.loads((folder / "surface.json").read_text())
        retriever = TfidfRetriever.load(folder)
        with np.load(folder / "centrality.npz") as arrays:
            shapes = [SegmentShape(arrays[f"norms-{i}"], arrays[f"own-{i}"]) for i in range(len(retriever.segments_))]
    except (OSError, KeyError, ValueError) as error:
        log.warning("the saved index in %s is unreadable (%s); it will be rebuilt", folder, error)
        return None
    if len(table) != sum(len(s.ids) for s in retriever.segments_):
        return None
    return KnowledgeBase(table, retriever, documents, synonyms=synonyms, inactive=inactive,
                         surface=surface, shapes=shapes)
