"""SQLAlchemy 2 typed models. The Alembic migrations in `migrations/` create the same schema."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("content_hash", name="uq_documents_content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(500), index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    added_by: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Chunk.position"
    )


class Chunk(Base):
    __tablename__ = "chunks"
    __table_args__ = (UniqueConstraint("document_id", "position", name="uq_chunks_document_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="chunks")


class Question(Base):
    """One question a user asked, with what the bot did about it."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    chat_type: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    top_chunk_id: Mapped[int | None] = mapped_column(Integer)
    top_score: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)

    votes: Mapped[list[Vote]] = relationship(back_populates="question", cascade="all, delete-orphan")


class Vote(Base):
    """A 👍 (+1) or 👎 (-1) on an answer; one per user and question, a second press replaces it."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_votes_question_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(SmallInteger)
    voted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    question: Mapped[Question] = relationship(back_populates="votes")


class Admin(Base):
    """An admin added by command; the bootstrap admins come from ADMIN_IDS and are not stored."""

    __tablename__ = "admins"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """A setting changed at run time by an admin (the decline threshold), kept across restarts."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Synonym(Base):
    """One line of the synonym table ("raid = storm = assault"); numbered by id for /synonym_remove."""

    __tablename__ = "synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[str] = mapped_column(String(500))
    added_by: Mapped[str | None] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SeedLine(Base):
    """A line of corpus/synonyms.txt this database has taken in: a line shipped later is added at the next start,
    one taken in and then removed by an admin is not added again."""

    __tablename__ = "synonym_seed_lines"

    line: Mapped[str] = mapped_column(String(500), primary_key=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConversationState(Base):
    """What a conversation (a chat; a user inside a group) was last about, shared by every instance: a follow-up
    may reach another instance than the question before it. Kept until `expires_at` (CONTEXT_SECONDS)."""

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sender: Mapped[str | None] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds: one clock for every instance


class FloodState(Base):
    """A sender's recent requests (epoch seconds, JSON) for the flood limit, shared by every instance; `version`
    makes each update a compare-and-set, so two instances never both take the last free slot."""

    __tablename__ = "flood_states"

    sender: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recent: Mapped[str] = mapped_column(Text)
    told: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
