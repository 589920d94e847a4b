"""Event bot: answers questions about the August 2019 Koi-Tash raid from a corpus of news articles.

The packages are the stages a document and a question go through, lowest first; a module imports only from its
own package and the ones before it (tests/test_architecture.py checks it):

    corpus    documents -> dated sentences, and the plain records every stage shares
    intake    untrusted bytes (uploads, pages) -> text, read in a sandbox
    storage   documents, questions and chat state in a database; the folder sync
    search    sentences -> the knowledge base: index, retrieval, the meaning layer, the live index
    answers   a question (or a parsed request) -> quotes, a brief, events in order
    service   QAService, the one face every front end calls for every kind of reply
    chat      a message -> a reply, whatever the front end; the texts people read
    telegram  the Telegram front end; __main__ the command line

`config` holds the settings, and `evaluation` the answer-quality benchmark (python -m bot eval).
"""

__version__ = "0.1.0"
