"""Writing files so that a crash never leaves half of one: the only way the kit saves results, indexes and adapters.

Each writer works on a temporary file (or folder) beside the target and puts it in place in one step at the end;
when anything fails on the way, the temporary copy is removed and the previous version is left as it was.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = write_json_atomic(pathlib.Path(folder) / "figures.json", {"seconds": 1.5})
    ...     print(target.read_text())
    {"seconds": 1.5}
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary file path beside `path`; when the block ends without error it replaces `path` (os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(path: str | Path, obj, **dump_options) -> Path:
    """Write `obj` as JSON to `path` atomically (serialised in full before anything is written); returns the path."""
    return write_text_atomic(path, json.dumps(obj, **dump_options))


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; when the block ends without error it takes the place of `path`.

    A folder cannot be swapped in one system call, so the old one is first renamed aside and removed only after
    the new one is in place: at every moment either the old or the new complete folder exists under some name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent))
    old = path.with_name(path.name + ".old")
    try:
        yield tmp
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
