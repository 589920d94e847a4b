"""Every query goes through SQLAlchemy with bound parameters: no SQL is built from strings in the package."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bot"


def test_no_sql_text_is_built_by_formatting() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in {"text", "execute", "exec_driver_sql"} and node.args:
                    first = node.args[0]
                    if isinstance(first, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format"
                    ):
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_the_package_imports_no_raw_sql_constructs() -> None:
    """Queries are built with select()/insert()/delete() and ORM objects, never sqlalchemy.text()."""
    imported = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                imported += [f"{path.name}: {alias.name}" for alias in node.names
                             if alias.name in {"text", "literal_column"}]
    assert imported == []
