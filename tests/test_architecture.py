"""The layout is the architecture: the packages are the stages a document and a question go through, and no
import runs back up, whatever a change adds.

- the stages' order: corpus < intake < storage < search < answers < service < chat < telegram < __main__. A module
  imports only from its own package or from packages earlier in the order; `config` may import what it needs for
  the settings' defaults, and `evaluation` (the benchmark, not a stage) anything below Telegram;
- no import cycle between modules;
- chat takes only data types from answers: what to compute, it asks the service;
- nothing outside `bot/telegram/` (and the entry point that starts it) imports Telegram (a Telegram-free core);
- importing storage (as Alembic's env.py does) loads no scikit-learn, scipy or Stemmer, and a parsing worker only
  the parsers;
- all HTML is built and escaped in one module, no module is over 500 lines without saying why, the top of `bot/`
  holds at most 8 modules besides the packages, and each package says what comes in and what goes out.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "bot"
STAGES = ("corpus", "intake", "storage", "search", "answers", "service", "chat", "telegram", "__main__")
BELOW_TELEGRAM = STAGES[:STAGES.index("telegram")]


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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in modules(PACKAGE)}


def bot_imports(path: Path) -> Iterator[tuple[str, int]]:
    """The bot's modules a module imports (every import, lazy ones too), with their lines: `from bot.chat import
    html` imports the module bot.chat.html, `from bot.search import KnowledgeBase` the package bot.search."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        else:
            continue
        for name in found:
            if name.split(".")[0] == "bot":
                yield name, node.lineno


def stage(module: str) -> str:
    """The package (stage) a module belongs to: bot.chat.texts -> chat, bot.service -> service."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bot"


def allowed(importer: str, imported: str) -> bool:
    if importer == imported or imported == "bot" or importer == "__main__":
        return True
    if importer == "config":
        return imported in BELOW_TELEGRAM
    if importer == "evaluation":
        return imported in BELOW_TELEGRAM
    if imported in ("config", "evaluation"):
        return importer in ("telegram", "__main__") if imported == "config" else False
    return importer in STAGES and imported in STAGES and STAGES.index(imported) < STAGES.index(importer)


def test_every_module_belongs_to_a_stage() -> None:
    known = {*STAGES, "config", "evaluation", "bot"}
    assert sorted({stage(m) for m in MODULES} - known) == []


def test_a_module_imports_only_its_own_package_and_the_stages_before_it() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name} ({stage(module)} -> {stage(name)})"
             for module, path in MODULES.items() for name, line in bot_imports(path)
             if not allowed(stage(module), stage(name))]
    assert wrong == []


def test_no_import_cycle_between_modules() -> None:
    graph = {module: {name for name, _ in bot_imports(path) if name in MODULES and name != module}
             for module, path in MODULES.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for name in sorted(graph[module]):
            if state.get(name) == 1:
                cycles.append(path[path.index(name):] + [name])
            elif name not in state:
                visit(name, [*path, name])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_chat_takes_only_data_types_from_answers() -> None:
    """The chat layer asks the service for every kind of reply; from answers it takes only what replies are made of
    (Answer, Passage, Brief, Event, BriefRequest, SequenceQuestion, Understood, EmptyQuestion...)."""
    functions = []
    for path in modules(PACKAGE / "chat"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot.answers"):
                source = importlib.import_module(node.module)
                functions += [f"{path.relative_to(ROOT)}: {node.module}.{alias.name}" for alias in node.names
                              if inspect.isfunction(getattr(source, alias.name))]
            elif isinstance(node, ast.ImportFrom) and node.module == "bot" and any(
                    alias.name == "answers" for alias in node.names):
                functions.append(f"{path.relative_to(ROOT)}: the whole of bot.answers")
    assert functions == []


def test_the_core_never_imports_telegram() -> None:
    core = [p for p in modules(PACKAGE)  # the command line's entry point starts the bot, so it may import it
            if "telegram" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"]
    wrong = {str(p.relative_to(ROOT)): sorted(n for n in imports_of(p) if n.split(".")[0] == "telegram"
                                              or n.startswith("bot.telegram")) for p in core}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_html_is_built_and_escaped_in_one_module() -> None:
    escaping = [str(p.relative_to(ROOT)) for p in modules(PACKAGE)
                if any(n == "html" or n.startswith(("html.", "markupsafe")) for n in imports_of(p))]
    assert escaping == ["bot/chat/html.py"]


def test_no_module_is_over_500_lines_without_saying_why() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in modules(PACKAGE)
            if (n := len(p.read_text().splitlines())) > 500 and "500 lines" not in (ast.get_docstring(
                ast.parse(p.read_text())) or "")]
    assert long == []


def test_the_top_of_the_package_holds_packages_and_a_few_modules() -> None:
    modules_at_top = sorted(p.name for p in PACKAGE.iterdir() if p.is_file() and p.suffix == ".py")
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert len(modules_at_top) <= 8, modules_at_top
    assert packages == ["answers", "chat", "corpus", "evaluation", "intake", "search", "storage", "telegram"]


@pytest.mark.parametrize("package", sorted({p.parent for p in PACKAGE.rglob("__init__.py")
                                            if "migrations" not in p.parts and p.parent != PACKAGE}),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_each_package_says_what_comes_in_and_what_goes_out(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    assert "In:" in doc and "Out:" in doc, package.relative_to(ROOT)


def test_importing_storage_loads_no_search_stack() -> None:
    probe = ("import sys, bot.storage, bot.storage.models\n"
             "print(sorted(m for m in ('sklearn', 'scipy', 'Stemmer', 'telegram', 'bot.search') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_the_parsing_worker_loads_only_the_parsers() -> None:
    """A worker (bot.intake.sandbox running bot.intake.extraction) imports the parsers alone: a small address space
    to limit, and nothing of the bot it could reach into."""
    probe = ("import sys, bot.intake.sandbox, bot.intake.extraction\n"
             "print(sorted(m for m in ('sklearn', 'scipy', 'numpy', 'telegram', 'httpx', 'sqlalchemy', 'bot.chat',"
             " 'bot.storage', 'bot.search', 'bot.answers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
