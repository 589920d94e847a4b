"""The layout is the architecture: these arrows must not exist, whatever a change adds.

- nothing outside `bot/telegram/` (and the entry point that starts it) imports Telegram (a Telegram-free core);
- storage imports neither search nor Telegram, so that importing storage (as Alembic's env.py does) loads no
  scikit-learn, scipy or Stemmer; search sits above storage (its live index reads the store) and below the rest.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "bot"


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations/versions" not in str(p))


FORBIDDEN = {
    "storage": ("bot.search", "bot.telegram", "telegram", "bot.service", "bot.chat.replies"),
    "search": ("bot.telegram", "telegram", "bot.service"),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_nothing_above_them(layer: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(n for n in imports_of(path) if n.startswith(FORBIDDEN[layer]))
        for path in modules(PACKAGE / layer)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_core_never_imports_telegram() -> None:
    core = [p for p in modules(PACKAGE)  # the command line's entry point starts the bot, so it may import it
            if "telegram" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"]
    wrong = {str(p.relative_to(ROOT)): sorted(n for n in imports_of(p) if n.split(".")[0] == "telegram"
                                              or n.startswith("bot.telegram")) for p in core}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_importing_storage_loads_no_search_stack() -> None:
    probe = ("import sys, bot.storage, bot.storage.models\n"
             "print(sorted(m for m in ('sklearn', 'scipy', 'Stemmer', 'telegram', 'bot.search') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_the_parsing_worker_loads_only_the_parsers() -> None:
    """A worker (bot.intake.sandbox running bot.intake.extraction) imports the parsers alone: a small address space to limit,
    and nothing of the bot it could reach into."""
    probe = ("import sys, bot.intake.sandbox, bot.intake.extraction\n"
             "print(sorted(m for m in ('sklearn', 'scipy', 'numpy', 'telegram', 'httpx', 'sqlalchemy', 'bot.messages',"
             " 'bot.storage') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
