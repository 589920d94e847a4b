"""Storage: documents, questions and chat state kept in a database.

In: `DocumentRecord`s and their sentences (from the corpus or intake stages), questions and votes, conversation
and flood state. Out: rows as the plain records of `bot.corpus.records`. Inside: SQLAlchemy models, the engine
and migrations (`db`, `models`, `migrations/`), one repository per concern (`documents`, `questions`, `admin`,
`synonyms`, `chat_state`), `sync`, which brings a folder of files into the document store, and `files`, which
writes the files the search stage saves (the index, the sentence vectors) so that they survive a crash.

Importing it loads no search stack (no scikit-learn, scipy or Stemmer), so that Alembic's env.py stays light.
"""

from bot.storage.db import Database, DatabaseError
from bot.storage.documents import AddOutcome, DocumentStore

__all__ = ["AddOutcome", "Database", "DatabaseError", "DocumentStore"]
