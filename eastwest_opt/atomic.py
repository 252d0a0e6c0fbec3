"""Write a whole output folder atomically: into a temporary sibling, then moved into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from eastwest_opt.errors import OutputExistsError


def write_folder(folder: str | Path, fill: Callable[[Path], None], *, overwrite: bool = False) -> Path:
    """Create ``folder`` by calling ``fill(tmp)`` on a temporary sibling folder, then moving it in.

    An interrupted write leaves the old folder or the new one, never a mix. An existing folder
    is replaced only with ``overwrite=True``; anything else at that path is refused. The new
    folder gets ordinary permissions (``mkdtemp`` makes it private).
    """
    target = Path(folder)
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: output folder exists; pass --overwrite to replace it")
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is not a folder")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    try:
        umask = os.umask(0o022)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        fill(tmp)
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def replace_dir(new: Path, target: Path) -> None:
    """Move folder ``new`` to ``target``, replacing a folder already there in two renames."""
    if not target.exists():
        os.replace(new, target)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def write_file(path: str | Path, fill: Callable[[Path], None], *, overwrite: bool = False) -> Path:
    """Create the file ``path`` by calling ``fill(tmp)`` on a temporary file beside it, then moving it in.

    ``os.replace`` in the same folder: an interrupted write leaves the old file or the new one,
    never half of one. An existing file is replaced only with ``overwrite=True``; a folder at
    that path is refused.
    """
    target = Path(path)
    if target.is_dir():
        raise OutputExistsError(f"{target}: exists and is a folder, not a file")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: output file exists; pass --overwrite to replace it")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", suffix=target.suffix, dir=parent)
    os.close(fd)
    tmp = Path(name)
    try:
        fill(tmp)
        umask = os.umask(0o022)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
