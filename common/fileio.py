"""Atomic output: write to a temp file beside the target, then rename over it.

Readers (and interrupted runs) never see a half-written transcript, image, ink
file or checkpoint. Temp files are named ``.<target>.<pid>-<host>.<random>.tmp``
(``host``: a hash of this machine's name): a process killed mid-write (``kill -9``,
power loss) leaves one behind, and the first write of a later process to the same
folder removes those written on this machine by a process that is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_TEMP = re.compile(
    r"^\..+\.(\d+)-([0-9a-f]{8})\.[a-z0-9_]{8}\.tmp$"
)  # .<target>.<pid>-<host>.<rnd>.tmp
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_swept: set[str] = set()  # folders already cleaned by this process


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Give ``tmp`` the permissions of a normally created file and rename it to ``path``.

    (``mkstemp`` creates files readable by the owner only.)
    """
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def temp_tag(pid: int | None = None) -> str:
    """``<pid>-<host>``: which process (default: this one) of this machine wrote a temp."""
    return f"{os.getpid() if pid is None else pid}-{_HOST}"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete the temp files of atomic writes in ``folder`` left by dead processes of this
    machine (a temp of another machine sharing the folder is left alone).

    Returns:
        The removed paths (sorted).
    """
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _TEMP.match(entry.name)
            if not match or match.group(2) != _HOST or not entry.is_file():
                continue
            if not _alive(int(match.group(1))):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return sorted(removed)


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """``(fd, temp path)`` beside ``path``; published to ``path`` when the block succeeds.

    The temp file is removed when the block (or the rename) fails. The first write of
    this process to a folder removes the stale temps of dead processes there first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = str(path.parent.resolve())
    if folder not in _swept:
        _swept.add(folder)
        remove_stale_temps(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{temp_tag()}.", suffix=".tmp", dir=folder)
    try:
        yield fd, tmp
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_target(path) as (fd, _), os.fdopen(fd, "wb") as f:
        f.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def save_figure_atomic(fig: Any, path: str | os.PathLike, **savefig: Any) -> Path:
    """``fig.savefig`` (matplotlib) into a temp PNG beside ``path``, then rename."""
    with atomic_target(path) as (fd, tmp):
        os.close(fd)
        fig.savefig(tmp, format="png", **savefig)
    return Path(path)
