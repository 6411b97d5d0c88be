"""Output folders that always hold one consistent result.

Every command that writes a folder (run, compare, sweep, sensitivity, discover) builds it in a
temporary folder beside the target (``.NAME.tmp-PID-XXXX``) and, once everything is written,
adds to its ``manifest.json`` the list of every file in it (``files``: path → bytes and
sha256), then swaps it into place: an atomic ``renameat2(RENAME_EXCHANGE)`` of the new folder
and the old one where the file system supports it, else two renames (old → ``.NAME.old-…``,
new → NAME) that the next command on the folder completes or undoes if it was cut between
them. After any kill, full disk or rerun, NAME is therefore either the old complete result or
the new complete one, and its manifest lists exactly its files.

One command at a time writes a folder: it holds an ``flock`` on ``.NAME.lock`` beside it for
as long as it works; a second command exits 2 ("another sweep is writing NAME"). The lock is
released by the kernel when its holder dies (SIGKILL included), so nothing blocks the next
command, which also removes what a killed one left behind (temporary folders, the lock file).

Sweeps and sensitivity runs keep their work in progress (chunks) in ``.NAME.partial`` beside
the target, so that ``--resume`` can continue it; NAME itself only ever receives the finished
result. See :func:`sweep_folder`. Calibrations do the same with their store (abc.db): see
:func:`calibration_folder`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.output.io import write_json
from sim.output.manifest import MANIFEST, list_files, read_manifest

KINDS = frozenset({"run", "compare", "sweep", "sensitivity", "design", "discover",
                   "calibration"})
"""``kind`` of the manifests this program writes: a folder holding one may be replaced."""
CHUNKS = "chunks"
FOLDER_MODE = 0o755
"""Permissions of an output folder (temporary folders are made private, then opened)."""


class OutputError(ValueError):
    """An output folder that cannot be used as asked (bad input: exit 2)."""


class Busy(OutputError):
    """Another command holds the folder's lock."""


# --------------------------------------------------------------------------- names

def _tmp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def _old_prefix(target: Path) -> str:
    return f".{target.name}.old-"


def lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def partial_path(target: Path) -> Path:
    """Where a sweep into ``target`` keeps its work in progress."""
    return target.parent / f".{target.name}.partial"


# --------------------------------------------------------------------------- checks

def _describe_os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_target(path: str | Path, option: str = "--out") -> Path:
    """The absolute output folder ``path`` if it can be (re)written; else OutputError.

    Refused: a file in the way, a folder that holds anything but an earlier output of this
    program (it would be replaced), the working folder or one of its parents, and a parent
    that cannot be created or entered.
    """
    shown = str(path)
    try:
        target = Path(os.path.abspath(path))
    except OSError as exc:  # the working folder vanished
        raise OutputError(f"{option} {shown}: {_describe_os_error(exc)}") from None
    if target.parent == target or not target.name or target.name in {".", ".."}:
        raise OutputError(f"{option} {shown}: expected a folder that can be replaced, found "
                          "the root folder")
    try:
        cwd = Path(os.getcwd())
    except OSError:
        cwd = None
    if cwd is not None and (cwd == target or target in cwd.parents):
        raise OutputError(f"{option} {shown}: the working folder is inside it; write the "
                          "output to another folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        st = os.stat(target) if os.path.lexists(target) else None
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "Permission denied")
    except FileExistsError:
        raise OutputError(f"{option} {shown}: a file is in the way of its folder") from None
    except NotADirectoryError:
        raise OutputError(f"{option} {shown}: a file is in the way of its folder") from None
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot create the folder "
                          f"({_describe_os_error(exc)})") from None
    if st is None:
        return target
    if target.is_symlink():
        raise OutputError(f"{option} {shown}: is a symbolic link; give the folder it points "
                          "to, or a new folder")
    if not target.is_dir():
        raise OutputError(f"{option} {shown}: expected a folder, found a file")
    try:
        entries = os.listdir(target)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot read the folder "
                          f"({_describe_os_error(exc)})") from None
    if entries and output_kind(target) is None:
        raise OutputError(f"{option} {shown}: the folder holds files that are not an output of "
                          "coalition-sim (no manifest.json); it would be replaced, so give a new "
                          "or empty folder")
    return target


def output_kind(folder: Path) -> str | None:
    """The ``kind`` of the coalition-sim manifest in ``folder``, or None."""
    try:
        manifest = read_manifest(folder / MANIFEST)
    except (OSError, ValueError):
        return None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    return kind if kind in KINDS else None


# --------------------------------------------------------------------------- the lock

HOLDER_WAIT_S = 1.0
"""How long a refused command waits for the lock's holder to write what it is: the holder
writes it just after taking the lock, so a command refused in between would otherwise say
only "another coalition-sim command"."""


def _holder(fd: int) -> str:
    """What holds the lock of ``fd`` ("sweep (pid N)"), or "" if it does not say in time."""
    deadline = time.monotonic() + HOLDER_WAIT_S
    while True:
        with contextlib.suppress(OSError):
            text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            if text:
                return text
        if time.monotonic() >= deadline:
            return ""
        time.sleep(0.02)


@contextlib.contextmanager
def folder_lock(target: Path, what: str = "command") -> Iterator[None]:
    """Hold the lock of output folder ``target`` (Busy if another process holds it)."""
    path = lock_path(target)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise OutputError(f"--out {target}: cannot create its lock file {path.name} "
                              f"({_describe_os_error(exc)})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise Busy(f"another {holder or 'coalition-sim command'} is writing {target}; "
                       "wait for it to end (or stop it) and try again") from None
        try:  # the file we locked must still be the one at `path` (a holder unlinks it)
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


# --------------------------------------------------------------------------- cleaning

def clean_strays(target: Path) -> None:
    """Remove what killed commands left beside ``target`` (call with its lock held).

    A swap cut between its two renames left ``.NAME.old-…`` and no NAME: the old result is
    put back. Temporary folders are removed.
    """
    parent = target.parent
    try:
        names = os.listdir(parent)
    except OSError:
        return
    olds = sorted(n for n in names if n.startswith(_old_prefix(target)))
    for n in olds:
        if not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(parent / n, target)
                continue
        shutil.rmtree(parent / n, ignore_errors=True)
    for n in names:
        if n.startswith(_tmp_prefix(target)):
            shutil.rmtree(parent / n, ignore_errors=True)


# --------------------------------------------------------------------------- finishing

def finish(folder: Path, kind: str) -> None:
    """Add ``files`` (every file in ``folder``) to its manifest.json (created if missing)."""
    mpath = folder / MANIFEST
    manifest: dict[str, Any] = {"kind": kind}
    if mpath.exists():
        loaded = json.loads(mpath.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            manifest = loaded
    manifest["files"] = list_files(folder)
    write_json(mpath, manifest)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically (Linux renameat2); False if not supported here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(new: Path, target: Path) -> None:
    """Make folder ``new`` the folder ``target`` (which may exist), as atomically as possible."""
    _fsync_dir(new)
    if not os.path.lexists(target):
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old result
    else:
        old = Path(tempfile.mkdtemp(prefix=_old_prefix(target), dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)  # a kill here: the next command puts `old` back
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


# --------------------------------------------------------------------------- staging

def _named(exc: OSError, where: Path) -> OSError:
    """``exc`` with a file name (a full disk reported by pyarrow names none)."""
    if exc.filename:
        return exc
    new = OSError(exc.errno, exc.strerror or str(exc), str(where))
    return new


@contextlib.contextmanager
def staged(path: str | Path, kind: str, *, option: str = "--out",
           what: str | None = None) -> Iterator[Path]:
    """A new empty folder beside ``path`` to write into; it replaces ``path`` on success.

    The target is checked (OutputError) and locked (Busy) before the block runs, so a bad
    --out fails before any work. On any error (or a kill) the target is left as it was.
    """
    target = check_target(path, option)
    with folder_lock(target, what or kind):
        clean_strays(target)
        check_target(target, option)  # strays put back: check what is there now
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_prefix(target)}{os.getpid()}-",
                                        dir=target.parent))
            os.chmod(tmp, FOLDER_MODE)
        except OSError as exc:
            raise _named(exc, target.parent) from None
        try:
            yield tmp
            finish(tmp, kind)
            swap_into_place(tmp, target)
        except OSError as exc:
            raise _named(exc, target) from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- sweeps

def _has_chunks(folder: Path) -> bool:
    chunks = folder / CHUNKS
    try:
        return any(n.startswith("chunk-") and n.endswith(".parquet")
                   for n in os.listdir(chunks))
    except OSError:
        return False


@contextlib.contextmanager
def sweep_folder(path: str | Path, kind: str, *, resume: bool = False,
                 overwrite: bool = False) -> Iterator[Path]:
    """The work folder of a sweep (or sensitivity run) into ``path``; swapped in on success.

    The work is done in ``.NAME.partial`` beside the target: chunks are written there as they
    finish and survive a kill, so ``--resume`` continues them. NAME only changes when the whole
    result (results.parquet, tables, figures, manifest listing every file) is written, by the
    same swap as :func:`staged`. Rules:

    - no --resume, no --overwrite: NAME must not hold results yet, nor the partial folder
      chunks of an interrupted sweep (exit 2 says to pass --resume or --overwrite);
    - --overwrite: any partial work is discarded; NAME is replaced at the end;
    - --resume: the partial work is continued; if there is none and NAME holds a complete
      result, its results (and kept chunks) are linked into a new partial folder, so only the
      tables and figures are written again.

    A sweep that fails (not killed) before any chunk was written removes its partial folder,
    so a failed start (an unreachable --scheduler) leaves nothing that blocks the next sweep.
    """
    target = check_target(path)
    with folder_lock(target, kind):
        clean_strays(target)
        check_target(target)
        work = partial_path(target)
        has_result = (target / "results.parquet").exists() or (target / CHUNKS).exists()
        if overwrite:
            shutil.rmtree(work, ignore_errors=True)
        elif not resume:
            _fresh_start(work, has_result,
                         _has_chunks(work) or (work / "results.parquet").exists(),
                         f"{target} already holds {kind} results: pass --resume to continue "
                         "them or --overwrite to start again",
                         f"{target}: an interrupted {kind} left its work in {work.name} beside "
                         "it: pass --resume to continue it or --overwrite to start again")
        elif not work.exists() and has_result:
            _link_result(target, work)
        try:
            work.mkdir(mode=FOLDER_MODE, exist_ok=True)
            for stray in work.glob(".*.tmp"):  # a killed atomic write
                stray.unlink(missing_ok=True)
            yield work
            finish(work, kind)
            swap_into_place(work, target)
        except BaseException as exc:
            if work.exists() and not _has_chunks(work) and not (
                    work / "results.parquet").exists():
                shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _named(exc, target) from None
            raise


def _fresh_start(work: Path, has_result: bool, has_partial: bool, held: str,
                 interrupted: str) -> None:
    """A start without --resume or --overwrite: refused (``held`` or ``interrupted`` says why)
    when the target holds a result or the partial folder holds interrupted work; otherwise
    any leftover partial folder is cleared."""
    if has_result:
        raise OutputError(held)
    if has_partial:
        raise OutputError(interrupted)
    shutil.rmtree(work, ignore_errors=True)


STORE = "abc.db"
"""A calibration's pyabc store: what ``calibrate --resume`` continues."""


@contextlib.contextmanager
def calibration_folder(path: str | Path, *, resume: bool = False,
                       overwrite: bool = False) -> Iterator[Path]:
    """The work folder of a calibration into ``path``; swapped in on success.

    Like :func:`sweep_folder`: the store (abc.db) grows in ``.NAME.partial`` beside the target,
    one generation at a time, and survives a kill; NAME only changes when every output is
    written. --resume continues the partial store, or a copy of the finished one in NAME
    (copied, never linked: the store is written in place); without --resume or --overwrite,
    a store in either place is refused (exit 2)."""
    target = check_target(path)
    with folder_lock(target, "calibration"):
        clean_strays(target)
        check_target(target)
        work = partial_path(target)
        has_result = (target / STORE).exists()
        has_partial = (work / STORE).exists()
        if overwrite:
            shutil.rmtree(work, ignore_errors=True)
        elif not resume:
            _fresh_start(work, has_result, has_partial,
                         f"--out {target} already holds a calibration: pass --resume to "
                         "continue it or --overwrite to start again",
                         f"--out {target}: an interrupted calibration left its store in "
                         f"{work.name} beside it: pass --resume to continue it or "
                         "--overwrite to start again")
        elif not has_partial:
            if not has_result:
                raise OutputError(f"--resume: {target} holds no calibration ({STORE}) to "
                                  "continue")
            shutil.rmtree(work, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), dir=target.parent))
            os.chmod(tmp, FOLDER_MODE)
            for name in (STORE, "spec.json"):
                if (target / name).is_file():
                    shutil.copy2(target / name, tmp / name)
            os.rename(tmp, work)
        try:
            work.mkdir(mode=FOLDER_MODE, exist_ok=True)
            yield work
            finish(work, "calibration")
            swap_into_place(work, target)
        except BaseException as exc:
            if work.exists() and not (work / STORE).exists():
                shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _named(exc, target) from None
            raise


def _link_result(target: Path, work: Path) -> None:
    """Hard links (else copies) of a complete result's data in a fresh work folder."""
    tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), dir=target.parent))
    os.chmod(tmp, FOLDER_MODE)
    keep = ["results.parquet", MANIFEST]
    for name in keep:
        if (target / name).is_file():
            _link(target / name, tmp / name)
    if (target / CHUNKS).is_dir():
        (tmp / CHUNKS).mkdir()
        for p in sorted((target / CHUNKS).glob("chunk-*.parquet")):
            _link(p, tmp / CHUNKS / p.name)
    os.rename(tmp, work)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


__all__ = ["Busy", "OutputError", "calibration_folder", "check_target", "finish", "folder_lock",
           "output_kind", "partial_path", "read_manifest", "staged", "swap_into_place", "sweep_folder"]
