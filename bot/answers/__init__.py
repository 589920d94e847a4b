"""Answers: a question in, quotes out, and the other kinds of reply made of quotes.

In: a question, or a parsed request (`BriefRequest`, `SequenceQuestion`), and the knowledge base to answer from.
Out: plain data: an `Answer` (the best verbatim sentences with their sources, or a decline; `answering`) with the
part that answers in bold (`highlight`), a `Brief` (the few sentences that tell the story, in the order of events;
`brief`), and `Event`s (the timeline, what came before or after; `chronology`).

What a message asks for is read in `bot.chat`; who asked, and what is logged, is the service's (`bot.service`).
"""
