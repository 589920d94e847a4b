"""Intake: untrusted bytes in, text out, read where a hostile file can do no harm.

In: a page address an admin sent (`fetching`: fetched with the private-network and size limits), an uploaded or
forwarded file, a fetched page's body. Out: a `ReadDocument` (`reading`): the `DocumentRecord` and its sentences,
read by `extraction`'s jobs in worker processes (`sandbox`) with CPU, wall-clock, memory and output limits, or a
`DocumentError` that says why it was refused.

This file imports nothing: a parsing worker (`python -m bot.intake.sandbox`) loads the parsers alone.
"""
