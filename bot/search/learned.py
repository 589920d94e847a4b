"""Models the bot learned (`python -m bot train`), loaded only when they are the files that were trained.

The answer model (`bot.answers.model`) and the message-kind classifier (`bot.chat.kinds`) are scikit-learn
estimators kept in the repository as skops files, never pickles: skops reads plain arrays and rebuilds only the types
named in `trusted`, refusing anything else. Before a file is read, its SHA-256 must be the one pinned in the code of
the module that uses it (as the encoder's files are: `bot.search.encoder`); `python -m bot train` writes the files
and the new pins together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.search.encoder import check_pinned, sha256_of


class ModelUnavailable(RuntimeError):
    """A learned model's file is missing, altered, or not what the code expects."""


class LearnedHashMismatch(ModelUnavailable):
    """A file's SHA-256 is not the pinned one: it is refused before anything is read."""


def check(folder: Path, pinned: Mapping[str, str]) -> None:
    """Raise unless every pinned file is in `folder` and hashes to its pinned value."""
    check_pinned(folder, pinned, missing=ModelUnavailable, mismatch=LearnedHashMismatch,
                 remedy="; run `python -m bot train` (see docs/quality.md)")


def load(folder: Path, pinned: Mapping[str, str], trusted: Sequence[str]) -> dict[str, Any]:
    """Every pinned file of `folder`, checked and then read: skops files as estimators (only `trusted` types),
    JSON files as data."""
    import skops.io as sio

    check(folder, pinned)
    loaded: dict[str, Any] = {}
    for name in pinned:
        path = folder / name
        if name.endswith(".json"):
            loaded[name] = json.loads(path.read_text(encoding="utf-8"))
            continue
        unknown = [t for t in sio.get_untrusted_types(file=path) if t not in trusted]
        if unknown:
            raise ModelUnavailable(f"{path} holds types that are not trusted: {', '.join(unknown)}")
        loaded[name] = sio.load(path, trusted=list(trusted))
    return loaded


_PINS = re.compile(r"(PINNED_SHA256: Final\[dict\[str, str\]\] = )\{[^}]*\}", re.DOTALL)


def write_pins(module: Path, folder: Path, names: Sequence[str]) -> dict[str, str]:
    """Pin the files' SHA-256 in `module`'s PINNED_SHA256 (after training); the pins written."""
    pins = {name: sha256_of(folder / name) for name in names}
    body = "{\n" + "".join(f'    "{name}": "{digest}",\n' for name, digest in pins.items()) + "}"
    text = module.read_text(encoding="utf-8")
    if not _PINS.search(text):
        raise ValueError(f"{module} has no PINNED_SHA256 to update")
    module.write_text(_PINS.sub(lambda m: m.group(1) + body, text, count=1), encoding="utf-8")
    return pins
