"""Writing result files: never half a file, never over something that is not a result file.

A result is written to a temporary file beside its target and renamed over it, so a reader sees the
old file or the new one, never a mix. Renaming replaces whatever sits at the name, so the target is
checked first: a symlink is followed to its target, and a folder, a FIFO, a device or the model
being simulated is refused. An existing file keeps its mode and owner; a new one gets the usual umask.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from twin.spec.loader import data_dir


class OutputError(Exception):
    """A result file that cannot or must not be written; the message is one line naming the path."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _nearest_existing(folder: Path) -> Path:
    """The folder itself or its closest ancestor that exists (missing folders are created on writing)."""
    while not folder.exists():
        folder = folder.parent
    return folder


def _same(a: Path, b: Path) -> bool:
    """One file under two names (a symlink or a hard link), or one path not yet created."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.realpath(a)) == Path(os.path.realpath(b))


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def resolve_target(path: str | Path, protect: Iterable[str | Path] = ()) -> Path:
    """The regular file a result for ``path`` goes to: ``~`` expanded, symlinks followed.

    Raises OutputError if it is a folder or other non-regular file, one of the ``protect``ed input
    files, or lies under something that is not a folder. Called before a run, so a run is not wasted
    on a result that could never be saved, and again just before writing.
    """
    given = Path(path).expanduser()
    target = Path(os.path.realpath(given))
    via = f" (the symlink {given} points to it)" if given.is_symlink() else ""
    for inp in protect:
        if _same(Path(inp).expanduser(), target):
            raise OutputError(f"{target} is the model being simulated{via}; give another file name")
    for kind in ("models", "scenarios"):
        shipped = Path(os.path.realpath(data_dir(kind)))
        if target.is_relative_to(shipped):
            raise OutputError(f"{target} is in the {kind} shipped with Tier Twin{via}; give a file outside {shipped}")
    try:
        mode = target.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot use {target}: {_reason(exc)}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"{target} is a folder{via}; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{target} is not a regular file{via}; results are written only to regular files")
    ancestor = _nearest_existing(target.parent)
    if not ancestor.is_dir():
        raise OutputError(f"cannot create {target}: {ancestor} is a file, not a folder")
    return target


def check_writable(path: str | Path, protect: Iterable[str | Path] = ()) -> Path:
    """``resolve_target`` plus a probe: create and remove a temporary file where the result will go."""
    target = resolve_target(path, protect)
    folder = _nearest_existing(target.parent)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {_reason(exc)}") from None
    return target


def write_atomic(path: str | Path, text: str, protect: Iterable[str | Path] = ()) -> Path:
    """Write ``text`` to the file ``path`` resolves to, atomically; return that file.

    Raises OutputError (one line) if the target is refused or the write fails; the old file is then
    left as it was and no temporary file remains.
    """
    return write_atomic_files({path: text}, protect)[0]


def write_atomic_files(contents: Mapping[str | Path, str | bytes], protect: Iterable[str | Path] = ()) -> list[Path]:
    """Write several files (text as UTF-8, or bytes) so that none is replaced before all are written.

    Each goes to a temporary file beside its target; only when every one is complete are they renamed
    over their targets, in order. A failure before that leaves every old file as it was; no temporary
    file remains either way. Returns the files written, in the order given.
    """
    protect = list(protect)
    targets = [resolve_target(path, protect) for path in contents]
    staged: list[str] = []
    try:
        for target, data in zip(targets, contents.values(), strict=True):
            staged.append(_stage(target, data.encode("utf-8") if isinstance(data, str) else data))
        for tmp, target in zip(staged, targets, strict=False):
            os.replace(tmp, target)
    except BaseException as exc:
        for tmp in staged:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
        raise
    return targets


def _stage(target: Path, data: bytes) -> str:
    """A temporary file beside ``target`` holding ``data``, on disk, with the mode and owner of the file it replaces."""
    try:
        old = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        old = None
    mode = stat.S_IMODE(old.st_mode) if old else 0o666 & ~_umask()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if old and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(PermissionError):  # only root may give a file away
                    os.fchown(fh.fileno(), old.st_uid, old.st_gid)
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp
