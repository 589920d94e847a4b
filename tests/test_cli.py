"""The command line end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path = ROOT,
        ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "DATA_DIR"))}
    full_env["DATA_DIR"] = tempfile.mkdtemp(prefix="cli-data-")  # never the project's own data/
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env=full_env, cwd=cwd, timeout=120,
    )


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "CORPUS_DIR": str(CORPUS),
            "DATA_DIR": str(tmp_path / "data")}


def test_ask_quotes_the_hospital_sentence_and_its_source(db_env: dict[str, str]) -> None:
    result = run("ask", "How many people were admitted to hospital?", env=db_env)
    assert result.returncode == 0, result.stderr
    assert "36 people" in result.stdout
    assert "Officer killed as Kyrgyz special forces fail to detain ex-president Atambayev" in result.stdout
    assert "7 August 2019" in result.stdout


def test_ask_declines_the_mona_lisa(db_env: dict[str, str]) -> None:
    result = run("ask", "Who painted the Mona Lisa?", env=db_env)
    assert result.returncode == 0
    assert "couldn't find" in result.stdout and "> " not in result.stdout


def test_ask_json_has_the_documented_shape(db_env: dict[str, str]) -> None:
    result = run("ask", "How many people were admitted to hospital?", "--json", "--top", "2", env=db_env)
    data = json.loads(result.stdout)
    assert data["question"] == "How many people were admitted to hospital?" and data["answered"] is True
    assert data["kind"] == "answer" and len(data["passages"]) == 2
    best = data["passages"][0]
    assert set(best) == {"quote", "score", "chunk_id", "document", "answer"}
    span = best["answer"]  # the part in bold: offsets into the quote
    assert span["text"] == "36" and best["quote"][span["start"]: span["end"]] == "36"
    assert "answer" not in data["passages"][1] or data["passages"][1]["answer"]["text"] != "36"
    assert set(best["document"]) == {"id", "title", "publisher", "date", "url"}
    assert "36 people" in best["quote"] and best["document"]["date"] == "2019-08-07"
    assert best["score"] >= data["passages"][1]["score"]


def test_batch_from_stdin_is_json_lines_in_order(db_env: dict[str, str]) -> None:
    questions = ["How many people were admitted to hospital?", "Who painted the Mona Lisa?", "hostages"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n", env=db_env)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions
    assert [line["answered"] for line in lines] == [True, False, True]


def test_empty_question_exits_2(db_env: dict[str, str]) -> None:
    for question in ("   ", "🔥", "?", "..."):  # no words: the same message and status, never a traceback
        result = run("ask", question, env=db_env)
        assert result.returncode == 2 and "type a question" in result.stderr.lower(), (question, result.stderr)
        assert "Traceback" not in result.stderr


def test_ask_outside_the_project_folder_finds_its_corpus(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"DATA_DIR": str(tmp_path / "data")}
    result = run("ask", "How many people were admitted to hospital?", env=env, cwd=elsewhere)
    assert result.returncode == 0 and "36 people" in result.stdout, result.stderr
    assert not (elsewhere / "data").exists()
    missing = run("ask", "anything?", env={**env, "CORPUS_DIR": str(tmp_path / "nowhere")}, cwd=elsewhere)
    assert missing.returncode == 2 and "CORPUS_DIR" in missing.stderr and missing.stderr.count("\n") == 1


def test_the_terminal_help_lists_only_what_works_there(db_env: dict[str, str]) -> None:
    result = run("chat", stdin="/help\nwho is kursan asanov\nsource?\n👍\n\n", env=db_env)
    assert result.returncode == 0
    help_text, answer, source, vote = result.stdout.split("bot> ")[1:5]
    assert "/forgetme" not in help_text and "@username" not in help_text and "<b>More</b>" not in help_text
    assert "source?" in help_text and "/sources" in help_text
    assert "Kursan Asanov" in answer and "Officer killed" in source and "no link" in source
    assert "Thanks" in vote


def test_corpus_dir_answers_in_memory_and_leaves_the_database_alone(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "volcano_report.txt").write_text("The volcano erupted at dawn on Tuesday.")
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00bad")
    db_file = tmp_path / "never.sqlite3"
    result = run("ask", "When did the volcano erupt?", "--json", "--corpus", str(folder),
                 env={"DATABASE_URL": f"sqlite:///{db_file}"})
    data = json.loads(result.stdout)
    assert data["answered"] and data["passages"][0]["document"]["title"] == "Volcano report"
    assert "broken.txt" in result.stderr and "UTF-8" in result.stderr
    assert not db_file.exists()


def test_empty_corpus_says_so(tmp_path: Path) -> None:
    result = run("ask", "anything?", "--corpus", str(tmp_path))
    assert result.returncode == 0 and "don't have any documents yet" in result.stdout


def test_broken_database_url_is_one_line(tmp_path: Path) -> None:
    result = run("ask", "hello?", env={"DATABASE_URL": "postgresql://user:pw@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "Database error" in result.stderr and ":pw@" not in result.stderr


def test_ingest_then_answer(tmp_path: Path, db_env: dict[str, str]) -> None:
    doc = tmp_path / "extra.md"
    doc.write_text("---\ntitle: Extra\npublisher: Test Wire\n---\nThe parliament met on a Thursday in Bishkek.")
    result = run("ingest", str(doc), str(tmp_path / "missing.txt"), env=db_env)
    assert "added 1" in result.stdout and "missing.txt" in result.stderr and result.returncode == 1
    again = run("ingest", str(doc), env=db_env)
    assert "unchanged 1" in again.stdout and again.returncode == 0
    answer = json.loads(run("ask", "When did parliament meet?", "--json", env=db_env).stdout)
    assert answer["passages"][0]["document"]["publisher"] == "Test Wire"


def test_no_token_runs_the_terminal_chat(db_env: dict[str, str], tmp_path: Path) -> None:
    result = run(stdin="How many people were admitted to hospital?\nhello!\nthanks\n\n", env=db_env, cwd=tmp_path)
    assert result.returncode == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stdout + result.stderr
    assert "36 people" in result.stdout
    assert "bot> Hi! Ask me anything" in result.stdout and "bot> You're welcome" in result.stdout
    assert "INFO" not in result.stderr


def test_db_upgrade(db_env: dict[str, str]) -> None:
    result = run("db", "upgrade", env=db_env)
    assert result.returncode == 0 and "up to date" in result.stdout


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql+psycopg://eventbot:s3cr@t-p4ss@127.0.0.1:1/db", "t-p4ss"),  # a raw @ in the password
        ("postgresql+psycopg://eventbot:hunter2@127.0.0.1:notaport/db", "hunter2"),
        ("postgresql+psycopg://eventbot:pa/ss@127.0.0.1:1/db", "ss@"),
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(url: str, secret: str) -> None:
    result = run("ask", "hello?", env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.startswith("Database error") and result.stderr.strip().count("\n") == 0
    assert secret not in result.stderr and "Traceback" not in result.stderr


def test_batch_json_lines_share_context_per_chat(db_env: dict[str, str]) -> None:
    lines = [json.dumps({"chat": "a", "question": "Who is Kursan Asanov?"}),
             json.dumps({"chat": "b", "question": "Who was Roza Otunbayeva?"}),
             json.dumps({"chat": "a", "question": "What did he say?"}),
             json.dumps({"chat": "b", "question": "What revolution did she lead?"}),
             "What did he say?",  # a plain line stays on its own
             json.dumps({"chat": "a", "question": "What university did he attend?"})]
    result = run("ask", "--json", stdin="\n".join(lines) + "\n", env=db_env)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6 and [o.get("chat") for o in out] == ["a", "b", "a", "b", None, "a"]
    assert out[2]["about"] == "Kursan Asanov" and "decision to pull out" in out[2]["passages"][0]["quote"]
    assert out[2]["question"] == "What did he say?" and out[2]["understood_as"] == "What did Kursan Asanov say?"
    assert out[3]["about"] == "Roza Otunbayeva" and "Tulip" in out[3]["passages"][0]["quote"]
    assert "about" not in out[4] and set(out[4]) == {"question", "answered", "passages", "kind"}
    assert out[5]["answered"] is False and out[5]["about"] == "Kursan Asanov"  # the sources do not say
