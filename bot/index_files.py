"""Saving a knowledge base's index to disk and loading it back, so a restart does not rebuild it.

The folder holds plain NumPy arrays (no pickles) and a manifest naming the corpus
content version and synonym table the index was built from; a loader that finds
another version, another table or a damaged folder returns None and the caller
rebuilds. A new folder is written beside the old one and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from bot.knowledge import ChunkTable, DocumentRef, KnowledgeBase
from bot.retrieval import Segment, TfidfRetriever
from bot.synonyms import SynonymTable

FORMAT = 3
log = logging.getLogger(__name__)


def synonyms_digest(synonyms: SynonymTable) -> str:
    return hashlib.sha256(json.dumps(synonyms.groups).encode()).hexdigest()


def _params(retriever: TfidfRetriever) -> dict[str, float]:
    return {"k1": retriever.k1, "b": retriever.b, "context_weight": retriever.context_weight,
            "cue_boost": retriever.cue_boost, "coordination": retriever.coordination,
            "max_postings": retriever.max_postings}


def save(knowledge: KnowledgeBase, folder: Path, *, version: str) -> None:
    """Write the index for corpus content `version`; the previous folder stays valid until the rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = folder.with_name(folder.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    table, retriever = knowledge.table, knowledge.retriever
    np.savez(fresh / "table.npz", ids=table.ids, documents=table.documents, positions=table.positions,
             offsets=table.offsets)
    (fresh / "texts.bin").write_bytes(table.blob)
    terms = sorted(retriever.vocabulary_, key=retriever.vocabulary_.__getitem__)
    (fresh / "vocabulary.json").write_text(json.dumps(terms))
    (fresh / "surface.json").write_text(json.dumps(sorted(knowledge.surface)))
    np.savez(fresh / "weights.npz", idf=retriever.idf_)
    for i, segment in enumerate(retriever.segments_):
        postings = segment.postings
        np.savez(fresh / f"segment-{i}.npz", data=postings.data, indices=postings.indices, indptr=postings.indptr,
                 shape=np.array(postings.shape), ids=segment.ids, cues=segment.cues)
    manifest = {
        "format": FORMAT, "version": version, "synonyms": synonyms_digest(knowledge.synonyms),
        "segments": len(retriever.segments_), "documents": retriever.documents_,
        "average_length": retriever.average_length_, "idf_max": retriever.idf_max_, "params": _params(retriever),
    }
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
        return None
    if manifest.get("synonyms") != synonyms_digest(synonyms):
        return None
    try:
        with np.load(folder / "table.npz") as arrays:
            table = ChunkTable(arrays["ids"], arrays["documents"], arrays["positions"],
                               (folder / "texts.bin").read_bytes(), arrays["offsets"])
        terms = json.loads((folder / "vocabulary.json").read_text())
        surface = json.loads((folder / "surface.json").read_text())
        retriever = TfidfRetriever(**manifest["params"])
        with np.load(folder / "weights.npz") as arrays:
            retriever.idf_ = arrays["idf"]
        retriever.vocabulary_ = {term: i for i, term in enumerate(terms)}
        retriever.idf_max_ = float(manifest["idf_max"])
        retriever.documents_ = int(manifest["documents"])
        retriever.average_length_ = float(manifest["average_length"])
        segments = []
        for i in range(int(manifest["segments"])):
            with np.load(folder / f"segment-{i}.npz") as arrays:
                postings = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                         shape=tuple(arrays["shape"]))
                segments.append(Segment(postings, arrays["ids"], arrays["cues"]))
        retriever.segments_ = segments
    except (OSError, KeyError, ValueError) as error:
        log.warning("the saved index in %s is unreadable (%s); it will be rebuilt", folder, error)
        return None
    if len(table) != sum(len(s.ids) for s in segments):
        return None
    return KnowledgeBase([], documents, synonyms=synonyms, retriever=retriever, inactive=inactive, table=table,
                         surface=surface)
