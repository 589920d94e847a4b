"""Storage: SQLAlchemy models, the engine and migrations, and the document repository."""

from bot.storage.db import Database, DatabaseError
from bot.storage.documents import AddOutcome, DocumentStore

__all__ = ["AddOutcome", "Database", "DatabaseError", "DocumentStore"]
