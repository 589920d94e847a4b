"""The corpus: documents in, dated sentences out, and the plain records every later stage shares.

In: a corpus file, an upload's bytes already known to be text (or a PDF/.docx read by `formats`), pasted text.
Out: a `DocumentRecord` (`documents`), its sentences as `ChunkSpan`s with offsets (`chunking`), the time a
sentence speaks of (`dates`), and the records storage, search and the front ends pass between them (`records`,
`folding`).

The lowest stage: it imports no other part of the bot, and this file imports nothing, so that a parsing worker
or Alembic can load one module of it without the rest.
"""
