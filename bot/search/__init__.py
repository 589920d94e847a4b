"""Search: the retrieval subsystem. Its one public face is `KnowledgeBase`: chunks in, ranked hits out.

In: sentences as the record types of `bot.corpus.records` (from storage, or built directly by a script or a test),
the synonym table, and a question. Out: ranked `Hit`s (chunk ids and scores), the sentences around a hit, and
what the corpus knows of names and words.

Inside, one module per stage: `textproc` (tokens), `fuzzy`, `synonyms` and `cues` (what a question means),
`query` (question -> weighted concepts), `retrieval` (the TF-IDF index), `proximity` and `roles` (second-stage
re-scoring), `knowledge` (chunks + index, swapped as one), `index_files` (saving and loading it), `centrality`,
`commonness`, `encoder` and `meaning` (the meaning layer), and `live_index`, which keeps the knowledge base in
step with the database: the one module here that reads storage (storage sits below search and never imports it).
It knows nothing of answers, chat or Telegram.
"""

from bot.search.knowledge import KnowledgeBase
from bot.search.synonyms import SynonymTable

__all__ = ["KnowledgeBase", "SynonymTable"]
