"""Where numba keeps the decoder's compiled kernels, and the one-line notice on a cold cache.

Part of the decoder stage (model -> **decoder** -> output). The beam search's kernels
(``_kernels``, ``_frame_ops``, ``_hashing``, ``_scoring``, ``align``) are compiled by numba
with ``cache=True``; compiling them takes 10-30 s, loading them from the cache well under
one second. ``common.decoding`` imports this module first, so the cache folder is set
before any kernel is defined: ``$NUMBA_CACHE_DIR`` when the user set it, else
``$XDG_CACHE_HOME/inkspeech/numba`` (``~/.cache/inkspeech/numba``), which works for a
read-only install too. ``python -m common.decoding.warmup`` fills it ahead of time.

Whether the cache is warm is judged by a stamp written next to it after the first
compiled call: a fingerprint of the kernel sources (size, mtime), numba and Python,
the same things numba's own cache is keyed on; one stamp per installed copy.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

KERNEL_MODULES = ("_kernels", "_frame_ops", "_hashing", "_scoring", "align")
NOTICE = "compiling decoder kernels (once) ..."
HERE = Path(__file__).resolve().parent
# one stamp per installed copy (editable tree, wheel venvs), as numba keys its cache by path
STAMP_NAME = f"inkspeech-kernels-{hashlib.sha1(str(HERE).encode()).hexdigest()[:12]}.stamp"


def cache_dir() -> Path:
    """numba's cache folder for the kernels (``$NUMBA_CACHE_DIR`` wins)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "inkspeech" / "numba"


def configure_cache() -> Path:
    """Point numba at ``cache_dir()`` (also for a numba imported earlier); return it."""
    folder = cache_dir()
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:
        sys.modules["numba"].config.reload_config()
    return folder


def fingerprint() -> str:
    """What the compiled kernels depend on: their sources, numba and Python versions."""
    import numba

    parts = [f"numba {numba.__version__}", f"python {sys.version.split()[0]}"]
    for name in KERNEL_MODULES:
        stat = (HERE / f"{name}.py").stat()
        parts.append(f"{name} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(parts) + "\n"


def is_warm() -> bool:
    """True when the stamp says the kernels in the cache match the current sources."""
    try:
        return (cache_dir() / STAMP_NAME).read_text(encoding="utf-8") == fingerprint()
    except OSError:
        return False


def mark_warm() -> None:
    """Write the stamp (silently skipped where the cache folder is not writable)."""
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STAMP_NAME).write_text(fingerprint(), encoding="utf-8")
    except OSError:
        pass


class Kernels:
    """Per-process record of the kernels' state: announced (cold cache noticed), ready.

    Every Python entry to a kernel calls ``announce()`` until ``ready``: the first one
    prints ``NOTICE`` when the cache is cold. The first finished search calls ``mark_ready()``,
    which writes the stamp if this process compiled.
    """

    def __init__(self) -> None:
        self.ready = False
        self._cold: bool | None = None  # None: not checked yet in this process
        self._lock = threading.Lock()

    def announce(self) -> None:
        """Print the one-line notice once per process if the kernels must be compiled."""
        if self._cold is not None:
            return
        with self._lock:
            if self._cold is None:
                self._cold = not is_warm()
                if self._cold:
                    from tqdm import tqdm

                    tqdm.write(NOTICE, file=sys.stderr)

    def mark_ready(self) -> None:
        """The kernels ran: stamp the cache as warm if this process filled it."""
        if self._cold:
            mark_warm()
        self._cold, self.ready = False, True


kernels = Kernels()
configure_cache()
