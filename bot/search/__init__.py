"""The retrieval subsystem. Its one public face is `KnowledgeBase`: chunks in, ranked hits out.

Inside, one module per stage: `textproc` (tokens), `fuzzy`, `synonyms` and `cues` (what a question means),
`query` (question -> weighted concepts), `retrieval` (the TF-IDF index), `proximity` and `roles` (second-stage
re-scoring), `knowledge` (chunks + index, swapped as one) and `index_files` (saving and loading it).
It knows nothing of storage or Telegram: its inputs are the record types of `bot.records`.
"""

from bot.search.knowledge import KnowledgeBase
from bot.search.synonyms import SynonymTable

__all__ = ["KnowledgeBase", "SynonymTable"]
