"""The retrieval subsystem. Its one public face is `KnowledgeBase`: chunks in, ranked hits out.

Inside, one module per stage: `textproc` (tokens), `fuzzy`, `synonyms` and `cues` (what a question means),
`query` (question -> weighted concepts), `retrieval` (the TF-IDF index), `proximity` and `roles` (second-stage
re-scoring), `knowledge` (chunks + index, swapped as one), `index_files` (saving and loading it), `centrality`,
`commonness`, `encoder` and `meaning` (the meaning layer), and `live_index`, which keeps the knowledge base in
step with the database: the one module here that reads storage (storage sits below search and never imports it).
Its inputs are the record types of `bot.corpus.records`; it knows nothing of answers, chat or Telegram.
"""

from bot.search.knowledge import KnowledgeBase
from bot.search.synonyms import SynonymTable

__all__ = ["KnowledgeBase", "SynonymTable"]
