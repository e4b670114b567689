"""Safe, atomic output folders: build beside the target, swap in only when complete.

geomap only ever deletes a folder it wrote, recognised by the manifest it leaves inside.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geomap.errors import OutputError

MANIFEST = ".geomap-manifest.json"


def check_output(out: Path, protect: list[Path]) -> None:
    """Refuse an unsafe --out before any work is done (and again just before writing)."""
    resolved = out.resolve()
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give the real folder ({resolved}) as --out")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file, not a folder; choose another --out")
    forbidden = {Path("/").resolve(), Path.home().resolve(), Path.cwd().resolve()}
    if resolved in forbidden or resolved.parent == resolved:
        raise OutputError(f"{out}: refusing to replace {resolved}; choose a dedicated folder such as --out site")
    if (resolved / ".git").exists() or (resolved / "pyproject.toml").exists():
        raise OutputError(f"{out}: looks like a project folder; choose a dedicated folder such as --out site")
    for p in protect:
        p = p.resolve()
        if resolved == p or resolved in p.parents:
            raise OutputError(f"{out}: is or contains the article input {p}; choose another --out")
        if p in resolved.parents:
            raise OutputError(f"{out}: lies inside the article folder {p} and would be read as articles next time; "
                              "choose an --out outside it")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise OutputError(f"{out}: exists and was not written by geomap (no {MANIFEST}); "
                          "empty it or choose another --out")


@contextmanager
def atomic_folder(out: Path, protect: list[Path]) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``out``, on failure it is removed."""
    check_output(out, protect)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a site is meant to be read
    try:
        yield tmp
        _write_manifest(tmp)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rmdir(old)
            os.replace(out, old)
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:
                os.replace(old, out)  # put the previous site back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_manifest(root: Path) -> None:
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    (root / MANIFEST).write_text(json.dumps({"generator": "geomap", "files": files}, indent=1, sort_keys=True) + "\n",
                                 encoding="utf-8")
