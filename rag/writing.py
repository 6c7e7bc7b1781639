"""Every file the tool writes goes through :func:`write_file`: atomic, never over what it did not write.

- **Never clobbers.** An existing file is replaced only when it is empty or ``ours`` recognises
  it as this kind of output (a summary's marker line, a report's generator tag, a golden set...).
  Anything else (a config, a golden set passed as ``--report``) is refused, naming it.
- **Atomic.** The text goes to a temporary file beside the target, named
  ``.<name>.agent-factory-tmp-<random>`` (hidden, never mistaken for data, removed on every
  error), then renamed over it: a reader sees the old file or the new one, never half of one.
- **Keeps what it replaces.** The replaced file's permission bits are kept (a new file gets the
  umask's); a read-only file is refused, not forced; writing through a symlink writes its target,
  and the returned path says where that is.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_file(folder / "a.md", "<!-- mine -->\\nhello\\n", "summary", starts_with(b"<!-- mine"))
PosixPath('...a.md')
>>> _ = (folder / "b.yaml").write_text("name: x\\n")
>>> write_file(folder / "b.yaml", "<!-- mine -->\\n", "summary", starts_with(b"<!-- mine"))
Traceback (most recent call last):
...
rag.writing.OutputError: ...b.yaml: exists and is not a summary this tool wrote; choose another path (nothing was written)
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from rag.errors import AgentFactoryError

HEAD_BYTES = 8192  # how much of an existing file its recogniser sees
TMP_MARK = ".agent-factory-tmp-"
GENERATOR = "<meta name='generator' content='agent-factory'>"  # in every HTML page the tool writes


class OutputError(AgentFactoryError):
    """A file the tool was asked to write and would not, or could not."""


Recogniser = Callable[[Path], bool]


def starts_with(prefix: bytes) -> Recogniser:
    """A recogniser: the file begins with `prefix` (a marker line the tool writes first)."""
    return lambda path: _head(path).startswith(prefix)


def contains(mark: bytes) -> Recogniser:
    """A recogniser: `mark` is in the file's first 8 KB (a generator tag, a PNG text chunk)."""
    return lambda path: mark in _head(path)


def write_file(path: Path, data: str | bytes, kind: str, ours: Recogniser) -> Path:
    """Write `data` to `path` atomically; returns the file written (a symlink's target)."""
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    if target.exists():
        _check_replaceable(path, target, kind, ours)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}{TMP_MARK}")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return target


def check_writable(path: Path, kind: str, ours: Recogniser) -> None:
    """Refuse now, before any work, what :func:`write_file` would refuse later."""
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    if target.exists():
        _check_replaceable(path, target, kind, ours)


def describe(path: Path, written: Path) -> str:
    """ "wrote PATH", with where a symlink led: what a command prints after :func:`write_file`."""
    return f"wrote {path}" + (f" (a symlink: wrote its target {written})" if Path(path) != written else "")


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def _check_replaceable(path: Path, target: Path, kind: str, ours: Recogniser) -> None:
    if not target.is_file():
        raise OutputError(f"{path}: exists and is not a file; choose another path (nothing was written)")
    if not stat.S_IMODE(target.stat().st_mode) & 0o222 or not os.access(
        target, os.W_OK
    ):  # 0444: read-only by intent, root too
        raise OutputError(
            f"{path}: is read-only; make it writable or choose another path (nothing was written)"
        )
    if target.stat().st_size and not ours(
        target
    ):  # an empty file holds nothing to lose ($GITHUB_STEP_SUMMARY)
        raise OutputError(
            f"{path}: exists and is not a {kind} this tool wrote; choose another path (nothing was written)"
        )


def _default_mode() -> int:
    """The permission bits a plain ``open(path, "w")`` would give: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
