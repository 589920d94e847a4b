"""Command line: run, chat, ask, ingest, eval, db upgrade.

`python -m bot` with no command runs the Telegram bot when a token is
configured, and the terminal chat otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO, TypeVar

from tqdm import tqdm

from bot.answers.answering import Answer
from bot.chat import html, texts
from bot.chat import replies
from bot.chat import ask_lines
from bot.chat.help import chat_banner
from bot.chat.topics import Contexts
from bot.config import Settings
from bot.corpus.documents import list_files
from bot.service import QAService
from bot.storage import Database, DatabaseError
from bot.storage.sync import SyncReport, add_files

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")
log = logging.getLogger("bot")


class RedactingFormatter(logging.Formatter):
    """Whatever a library puts in a log line or a traceback, the bot token never reaches the log."""

    def __init__(self, inner: logging.Formatter | None, secret: str) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        return text.replace(self.secret, "<token>") if self.secret else text


def _progress(items: Iterable[T], *, total: int, desc: str) -> Iterable[T]:
    """A progress bar on a terminal when there are many items; silent otherwise."""
    return tqdm(items, total=total, desc=desc, unit="file", disable=None if total >= 10 else True, file=sys.stderr)


def report_sync(report: SyncReport | None, stream: TextIO = sys.stderr) -> None:
    if report is None:
        return
    for name, reason in report.errors:
        print(f"skipped {name}: {reason}", file=stream)
    for name in report.duplicates:
        print(f"skipped {name}: the same text is already stored", file=stream)


def open_service(settings: Settings, corpus: Path | None = None) -> QAService:
    """The configured database synced with the corpus folder, or a throwaway one holding `corpus` alone."""
    if corpus is not None:
        service = QAService(Database.in_memory(), threshold=settings.decline_threshold, top_k=settings.top_k,
                            meaning=settings.meaning)
    else:
        service = QAService(Database(settings.resolved_database_url, timeouts=settings.database_timeouts),
                            threshold=settings.decline_threshold, top_k=settings.top_k, index_dir=settings.index_dir,
                            meaning=settings.meaning)
    folder = corpus if corpus is not None else settings.corpus_dir
    files = list_files(folder)
    report = service.start(folder, progress=lambda paths: _progress(paths, total=len(files), desc="Reading corpus"))
    report_sync(report)
    return service


def wait_for_vectors(service: QAService, stream: TextIO = sys.stderr) -> None:
    """Wait, with a progress bar on a terminal, until every sentence has its vector (a large corpus has them made
    in the background; until then its questions are answered lexically)."""
    vectors = service.vectors
    if vectors is None or vectors.wait(0):
        return
    ids = service.knowledge.table.keys
    total = len(vectors.missing(ids))
    with tqdm(total=total, desc="Sentence vectors", unit="sentence", file=stream, disable=None) as bar:
        while not vectors.wait(1.0):
            bar.update(total - len(vectors.missing(ids)) - bar.n)
        bar.update(total - bar.n)


def print_answer(answer: Answer, service: QAService, top: int | None, out: TextIO) -> None:
    """The reply the bot would send; with --top K, up to K quotes that each clear the threshold."""
    shown = replies.quotable(answer, service.threshold, top) if top else []
    bold = out.isatty()
    if shown:
        out.write("\n\n".join(html.html_to_text(html.passage_html(p), bold=bold) for p in shown) + "\n")
    else:
        out.write(render_text(replies.Reply("answer", answer), service, max_chars=10**9, bold=bold) + "\n")


def render_text(reply: replies.Reply, service: QAService, *, max_chars: int, bold: bool = False) -> str:
    """A reply as the terminal shows it: the bot's messages as plain text (bold in ANSI on a terminal)."""
    parts = texts.render(reply, documents=list(service.knowledge.documents.values()), max_chars=max_chars,
                            terminal=True)
    return html.html_to_text("\n\n".join(parts), bold=bold)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    top = args.top or settings.top_k
    if args.question is not None and not any(ch.isalnum() for ch in args.question):  # "", "?", "...", "🔥"
        print(html.html_to_text(texts.empty_question()), file=sys.stderr)
        return EXIT_USAGE
    service = open_service(settings, args.corpus)
    if args.question is not None:
        picture = replies.big_picture(args.question, service)
        if picture is not None:
            if args.json:
                print(json.dumps(ask_lines.picture_record(picture), ensure_ascii=False))
            else:
                print(render_text(picture, service, max_chars=10**9, bold=sys.stdout.isatty()))
            return EXIT_OK
        answer = service.answer(args.question, top)
        if args.json:
            print(json.dumps(ask_lines.answer_record(answer), ensure_ascii=False))
        else:
            print_answer(answer, service, args.top, sys.stdout)
        return EXIT_OK
    if not args.no_wait:  # a batch is answered as the bot answers once its vectors are made
        wait_for_vectors(service)
    contexts = Contexts(settings.context_seconds)
    for line in sys.stdin:
        record = ask_lines.ask_line(line.rstrip("\n"), service, contexts, top, max_chars=settings.max_question_chars)
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return EXIT_OK


def chat_reply(text: str, service: QAService, settings: Settings, contexts: Contexts | None = None) -> str:
    """What the bot would say to a private message, commands and follow-ups included (without Telegram's flood
    limit)."""
    reply = replies.reply_to(text, service, max_chars=settings.max_question_chars, commands=True,
                                  contexts=contexts, conversation=("terminal", None))
    return render_text(reply, service, max_chars=settings.max_question_chars, bold=sys.stdout.isatty())


def cmd_chat(settings: Settings, corpus: Path | None = None) -> int:
    service = open_service(settings, corpus)
    print(chat_banner(len(service.knowledge.documents), token_configured=settings.has_token))
    contexts = Contexts(settings.context_seconds)
    while True:
        try:
            question = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return EXIT_OK
        if not question.strip():
            return EXIT_OK
        print("bot> " + chat_reply(question, service, settings, contexts))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    paths: list[Path] = []
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            paths.extend(list_files(path))
        elif path.exists():
            paths.append(path)
        else:
            print(f"skipped {raw}: no such file or folder", file=sys.stderr)
    service = QAService(Database(settings.resolved_database_url, timeouts=settings.database_timeouts),
                        threshold=settings.decline_threshold)
    service.database.migrate()
    report = add_files(
        service.store, paths, added_by="cli", progress=lambda items: _progress(items, total=len(paths), desc="Ingesting")
    )
    report_sync(report)
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"duplicates {len(report.duplicates)}, failed {len(report.errors)}"
    )
    return EXIT_ERROR if report.errors or len(paths) < len(args.paths) else EXIT_OK


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    Database(settings.resolved_database_url, timeouts=settings.database_timeouts).migrate()
    print("database is up to date")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot import evaluation

    started = time.perf_counter()
    threshold = args.threshold or settings.decline_threshold
    names = args.datasets.split(",")
    dialogue_sets = {"dialogues-dev": evaluation.DIALOGUES_DEV, "dialogues-holdout": evaluation.DIALOGUES_HOLDOUT}
    chat_sets = {"chats-dev": evaluation.CHATS_DEV, "chats-holdout": evaluation.CHATS_HOLDOUT}
    reader_sets = {"readers-dev": evaluation.READERS_DEV, "readers-holdout": evaluation.READERS_HOLDOUT}
    whole = {**dialogue_sets, **chat_sets, **reader_sets}
    print(evaluation.KEY + "\n")
    results, notes = evaluation.run([n for n in names if n not in whole], threshold, args.methods.split(","))
    dialogues = [score for name in names if name in dialogue_sets
                 for score in (evaluation.score_dialogues(name, dialogue_sets[name], threshold),
                               evaluation.score_dialogues(name, dialogue_sets[name], threshold, context=False))]
    chats = [evaluation.score_chats(name, chat_sets[name], threshold) for name in names if name in chat_sets]
    readers = [evaluation.score_readers(name, reader_sets[name], threshold) for name in names if name in reader_sets]
    print(evaluation.table(results))
    if dialogues:
        print("\n" + evaluation.dialogue_table(dialogues))
    if chats:
        print("\n" + evaluation.chat_table(chats))
    if readers:
        print("\n" + evaluation.readers_table(readers))
    if notes:
        print("\nNOT SCORED:")
        for note in notes:
            print(f"  - {note}")
    evaluation.save(results, notes, args.out, {"threshold": threshold, "seconds": round(time.perf_counter() - started, 1),
                                                "dialogues": [asdict(d) for d in dialogues],
                                                "chats": [asdict(c) for c in chats],
                                                "readers": [asdict(r) for r in readers]})
    print(f"saved {args.out}")
    return EXIT_OK


def cmd_run(settings: Settings) -> int:
    if not settings.has_token:
        print("No TELEGRAM_BOT_TOKEN is set; starting the terminal chat instead.", file=sys.stderr)
        return cmd_chat(settings)
    from bot.telegram.app import ConfigurationError, run_bot

    try:
        run_bot(settings)
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_index(settings: Settings) -> int:
    """Sync the corpus folder, build (or load) the index and make every sentence vector, with progress bars, and
    save them beside the database, so that the bot starts answering with the meaning layer at once."""
    started = time.perf_counter()
    service = open_service(settings)
    wait_for_vectors(service)
    service.flush()
    knowledge = service.knowledge
    print(f"index ready: {len(knowledge):,} sentences from {len(knowledge.documents):,} documents"
          f"{'' if service.vectors is None else ', every one with its vector'}, saved in {settings.index_dir} "
          f"({time.perf_counter() - started:.0f} s)")
    return EXIT_OK


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    """Train the learned parts from the labelled sets, print cross-validated figures, write and pin the files."""
    from bot.evaluation import training

    started = time.perf_counter()
    if args.what in ("all", "answers"):
        training.train_answer_model(cache=args.cache, cross_validation=not args.no_cv)
    if args.what in ("all", "kinds"):
        training.train_kinds()
    if args.what in ("all", "readings"):  # last: it reads chats through the answer model and the classifier
        training.train_readings()
    print(f"trained in {time.perf_counter() - started:.0f} s")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventbot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (the terminal chat when no token is set)")
    chat = sub.add_parser("chat", help="ask questions in the terminal")
    chat.add_argument("--corpus", type=Path, help="answer from the documents in this folder alone")
    ask = sub.add_parser("ask", help="answer one question, or one per line from standard input as JSON Lines")
    ask.add_argument("question", nargs="?", help="the question; omit it to read questions from standard input")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--top", type=int, metavar="K", help="how many passages to return")
    ask.add_argument("--corpus", type=Path, metavar="DIR", help="answer from the documents in DIR alone, in memory")
    ask.add_argument("--no-wait", action="store_true",
                     help="with questions on standard input, start answering before every sentence vector is made "
                          "(a large corpus: those questions are answered lexically)")
    ingest = sub.add_parser("ingest", help="add or update documents from .txt/.md files or folders")
    ingest.add_argument("paths", nargs="+")
    evaluate = sub.add_parser("eval", help="answer-quality benchmark: ours beside scikit-learn and bm25s baselines")
    every = ("event,event-holdout,event-holdout2,event-holdout3,event-holdout4,event-holdout5,event-holdout6,"
             "event-holdout7,event-holdout8,squad-b,squad2,dialogues-dev,dialogues-holdout,chats-dev,chats-holdout,"
             "readers-dev,readers-holdout")
    evaluate.add_argument("--datasets", default=every, help=f"comma-separated, from: {every},squad-a")
    evaluate.add_argument("--methods", default="ours,sklearn,bm25s")
    evaluate.add_argument("--threshold", type=float, help="decline threshold (default: DECLINE_THRESHOLD)")
    evaluate.add_argument("--out", type=Path, default=Path("data/benchmarks/quality.json"),
                          help="where to save the JSON (default untracked; benchmarks/results/quality.json updates the kept figures)")
    sub.add_parser("index", help="build the index and every sentence vector now, with progress bars, and save them")
    train = sub.add_parser("train", help="train the answer model and the message-kind classifier (minutes)")
    train.add_argument("what", nargs="?", choices=["all", "answers", "kinds", "readings"], default="all")
    train.add_argument("--no-cv", action="store_true", help="skip the cross-validated figures (faster)")
    train.add_argument("--cache", type=Path, help="keep the candidates' features in this folder between runs")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    runs_bot = args.command in ("run", None) and settings.has_token
    logging.basicConfig(level=settings.log_level.upper() if runs_bot else "WARNING",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.telegram_bot_token is not None:
        secret = settings.telegram_bot_token.get_secret_value()
        for handler in logging.getLogger().handlers:
            handler.setFormatter(RedactingFormatter(handler.formatter, secret))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if getattr(args, "top", None) is not None and args.top < 1:
        print("--top must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    corpus = getattr(args, "corpus", None)
    if corpus is not None and not corpus.is_dir():
        print(f"--corpus {corpus}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    if corpus is None and args.command in ("ask", "chat", None, "run", "index") and not settings.corpus_dir.is_dir():
        print(f"No corpus folder at {settings.corpus_dir.resolve()}: set CORPUS_DIR (and DATA_DIR) to the bot's "
              "folders, or run it from the project's folder.", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "ask":
            return cmd_ask(args, settings)
        if args.command == "chat":
            return cmd_chat(settings, corpus)
        if args.command == "ingest":
            return cmd_ingest(args, settings)
        if args.command == "db":
            return cmd_db(args, settings)
        if args.command == "index":
            return cmd_index(settings)
        if args.command == "train":
            return cmd_train(args, settings)
        if args.command == "eval":
            return cmd_eval(args, settings)
        return cmd_run(settings)
    except DatabaseError as error:
        print(f"Database error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
