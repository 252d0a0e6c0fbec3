"""Write outputs atomically: into a temporary sibling, then moved into place; and clear the debris
that a killed write leaves.

A folder ``X`` is written as ``.X.tmp-<pid>-<host>-<random>`` beside it and renamed to ``X``.
An existing ``X`` is replaced by swapping the two folders in one step where the system can
(Linux's ``renameat2`` with ``RENAME_EXCHANGE``), then deleting the old one; elsewhere ``X`` is
first renamed to ``.X.old-<pid>-<host>-<random>``, the new one moved in, the old one deleted. A
single file is written the same way (:func:`write_file`). So an interrupted write leaves the old
output or the new one, never a mix, but a process killed at the wrong moment (``kill -9``, a power
cut) leaves a ``.X.tmp-*`` or ``.X.old-*`` sibling.

The next write to ``X`` removes such debris (:func:`clear_debris`) when it is safe: when the
process named in it no longer runs on this machine, or when it is older than :data:`SAFE_AGE_S`
(its process id may have been reused, or it was written from another machine, or by an older
version that did not record one). A write still under way in another process is left alone, so
two processes writing beside each other do not delete each other's work; of two writers
replacing the same ``X`` with ``overwrite``, the last one to finish wins.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eastwest_opt.errors import OutputExistsError

SAFE_AGE_S = 24 * 3600.0  # debris this old is removed whoever left it
_DEBRIS = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<rest>.*)$")
_OWNER = re.compile(r"^(?P<pid>\d+)-(?P<host>[0-9a-f]{8})-[0-9a-z_]+$")
_LEGACY_OLD = re.compile(r"^(?P<pid>\d+)$")  # '.X.old-<pid>' of earlier versions
_SWAP_TRIES = 5


def host_tag() -> str:
    """Eight hex digits naming this machine (a hash of its host name), recorded in temporary names."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def debris_prefix(target: Path, kind: str) -> str:
    """The start of the name of a temporary (``tmp``) or displaced (``old``) sibling of ``target``
    made by this process: ``.X.tmp-<pid>-<host>-``."""
    return f".{target.name}.{kind}-{os.getpid()}-{host_tag()}-"


def write_folder(
    folder: str | Path, fill: Callable[[Path], None], *, overwrite: bool = False, clear: bool = True
) -> Path:
    """Create ``folder`` by calling ``fill(tmp)`` on a temporary sibling folder, then moving it in.

    An interrupted write leaves the old folder or the new one, never a mix. An existing folder
    is replaced only with ``overwrite=True``; anything else at that path is refused. The new
    folder gets ordinary permissions (``mkdtemp`` makes it private). Debris of earlier
    interrupted writes to the same place is removed first (:func:`clear_debris`), unless
    ``clear=False`` (a caller that writes many siblings and clears them all once).
    """
    target = Path(folder)
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: output folder exists; pass --overwrite to replace it")
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is not a folder")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    target = parent / target.name
    if clear:
        clear_debris(target)
    tmp = Path(tempfile.mkdtemp(prefix=debris_prefix(target, "tmp"), dir=parent))
    try:
        ordinary_permissions(tmp)
        fill(tmp)
        replace_dir(tmp, target, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_file(path: str | Path, fill: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Have ``fill(tmp)`` write a temporary file beside ``path`` (with the same suffix), then move
    it into place. An existing file is replaced unless ``overwrite=False``; a folder at that path
    is refused. Debris of earlier interrupted writes of ``path`` is removed first."""
    target = Path(path)
    if target.is_dir():
        raise OutputExistsError(f"{target}: exists and is a folder, not a file")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: output file exists; pass --overwrite to replace it")
    target.resolve().parent.mkdir(parents=True, exist_ok=True)
    clear_debris(target)
    fd, name = tempfile.mkstemp(prefix=debris_prefix(target, "tmp"), suffix=target.suffix, dir=target.resolve().parent)
    os.close(fd)
    tmp = Path(name)
    try:
        fill(tmp)
        ordinary_permissions(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def ordinary_permissions(path: Path) -> None:
    """Give a file or folder made by ``mkstemp``/``mkdtemp`` (private to its owner) the
    permissions the user's umask gives ordinary files and folders."""
    umask = os.umask(0o022)
    os.umask(umask)
    path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def replace_dir(new: Path, target: Path, *, overwrite: bool = True) -> None:
    """Move folder ``new`` to ``target``; a folder already there is replaced (``overwrite``) in two
    renames, or refused. Another process replacing ``target`` at the same moment may win the
    race: the swap is then tried again, so the last writer's folder ends in place."""
    for _ in range(_SWAP_TRIES):
        if overwrite and target.is_dir() and exchange(new, target):
            shutil.rmtree(new, ignore_errors=True)  # it holds the old folder now
            return
        if not target.exists():
            try:
                os.replace(new, target)
                return
            except OSError as exc:  # another writer put a folder there meanwhile
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                    raise
        if not overwrite:
            raise OutputExistsError(f"{target}: output folder exists; pass --overwrite to replace it")
        old = target.parent / f"{debris_prefix(target, 'old')}{secrets.token_hex(4)}"
        try:
            os.replace(target, old)
        except FileNotFoundError:  # another writer moved it away first
            continue
        try:
            os.replace(new, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                with contextlib.suppress(OSError):
                    os.replace(old, target)  # put the old folder back
                raise
        finally:
            shutil.rmtree(old, ignore_errors=True)
    raise OSError(errno.EBUSY, f"{target}: other processes keep replacing it; not written")


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False
    where the system or the file system cannot, or when either path has gone."""
    rename = _renameat2()
    if rename is None:
        return False
    if rename(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """The C library's ``renameat2``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        rename = libc.renameat2
    except (OSError, AttributeError):
        return None
    rename.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rename.restype = ctypes.c_int
    return rename


def clear_debris(target: Path, *, now: float | None = None) -> list[Path]:
    """Remove the ``.X.tmp-*`` and ``.X.old-*`` siblings of ``target`` that no running process
    owns (see the module docstring); return what was removed."""
    parent = target.parent
    if not parent.is_dir():
        return []
    removed = []
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = _DEBRIS.match(entry.name) if entry.name.startswith(prefix) else None
            if match and match.group("name") == target.name and is_debris(entry, now=now) and _remove(entry):
                removed.append(entry)
    return removed


def is_debris(entry: Path, *, now: float | None = None) -> bool:
    """Whether ``entry`` is a temporary or displaced sibling left by a write that no longer runs:
    its process is gone (on this machine), or it is older than :data:`SAFE_AGE_S`."""
    match = _DEBRIS.match(entry.name)
    if match is None:
        return False
    try:
        age = (time.time() if now is None else now) - entry.lstat().st_mtime
    except OSError:
        return False
    if age > SAFE_AGE_S:
        return True
    rest = match.group("rest")
    owner = _OWNER.match(rest) or (_LEGACY_OLD.match(rest) if match.group("kind") == "old" else None)
    if owner is None:
        return False  # an older version's name without its process: wait for the safe age
    if "host" in owner.groupdict() and owner.group("host") != host_tag():
        return False  # written from another machine
    return not process_alive(int(owner.group("pid")))


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (assumed so where that cannot be told)."""
    if pid == os.getpid():
        return True  # this process: perhaps another thread is writing
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists, owned by someone else
    return True


def _remove(entry: Path) -> bool:
    """Remove a file or a folder with everything in it; whether it is gone."""
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
