"""Files that survive a crash: written whole or not at all, and checked against what was written when read back.

A file is written to a temporary name in its own folder, flushed and fsynced, renamed over the old one, and the
folder fsynced, so that a kill or a power cut at any point leaves either the old file or the new one, never a
part. A folder of such files carries a manifest (`manifest.json`, written last, the same way) with the SHA-256 of
each file; a reader checks a file against it before using it, so a truncated, emptied or swapped file is refused
with the reason instead of being read. Used for the saved index and the sentence vectors (`bot.search`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

MANIFEST = "manifest.json"


class DamagedFile(ValueError):
    """A saved file that is missing, or differs from what its manifest says was written; the message says which
    and how."""


def fsync_folder(folder: Path) -> None:
    """Make a rename or a deletion in `folder` durable (a directory's entries are data of their own)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_atomic(path: Path, write: Callable[[IO[bytes]], Any], *, sync_folder: bool = True) -> str:
    """Write `path` by `write(handle)` so that it is replaced whole or not at all; its SHA-256 (hex). A failure
    (a full disk) leaves the old file as it was and no temporary file behind."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        digest = sha256_of(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync_folder:
        fsync_folder(path.parent)
    return digest


def write_bytes_atomic(path: Path, data: bytes) -> str:
    return write_atomic(path, lambda handle: handle.write(data))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, facts: Mapping[str, Any], files: Mapping[str, str]) -> None:
    """Write the folder's manifest last: `facts` (format, version...) and the SHA-256 of each file by name."""
    text = json.dumps({**facts, "files": dict(files)}, sort_keys=True)
    write_bytes_atomic(folder / MANIFEST, text.encode("utf-8"))


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's manifest; DamagedFile when it is missing or unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DamagedFile(f"no {MANIFEST} in {folder}") from error
    except (OSError, ValueError) as error:
        raise DamagedFile(f"{folder / MANIFEST} is unreadable ({error})") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DamagedFile(f"{folder / MANIFEST} lists no files")
    return manifest


def verified(folder: Path, name: str, manifest: Mapping[str, Any]) -> Path:
    """The path of `name` in `folder`, once its SHA-256 is the one the manifest gives; DamagedFile otherwise."""
    expected = manifest["files"].get(name)
    path = folder / name
    if not isinstance(expected, str):
        raise DamagedFile(f"{name} is not in the manifest of {folder}")
    try:
        actual = sha256_of(path)
    except FileNotFoundError as error:
        raise DamagedFile(f"{path} is missing") from error
    except OSError as error:
        raise DamagedFile(f"{path} is unreadable ({error})") from error
    if actual != expected:
        raise DamagedFile(f"{path} is not the file that was saved (SHA-256 {actual[:12]}..., expected "
                          f"{expected[:12]}...; {path.stat().st_size:,} bytes)")
    return path
