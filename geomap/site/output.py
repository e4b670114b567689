"""Safe, atomic output folders: build beside the target, swap in only when complete.

geomap only ever deletes a folder it wrote, recognised by the manifest it leaves inside.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geomap.errors import OutputError

MANIFEST = ".geomap-manifest.json"

log = logging.getLogger(__name__)


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
def atomic_folder(out: Path, protect: list[Path], key: str | None = None,
                  manifest: Callable[[], dict] | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``out``, on failure it is removed.

    ``key`` (what the site was built from, see ``incremental.Previous.built_from``) is kept in the manifest.
    ``manifest`` gives the manifest of what was written, with each file's SHA-256 and size (default: read back
    from the folder).

    The temporary folders carry the builder's process id, so a later build can tell the leftovers of a
    killed build (SIGKILL, power loss) from those of a build still running, and clean them.
    """
    check_output(out, protect)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    recover_interrupted(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a site is meant to be read
    try:
        yield tmp
        _write_manifest(tmp, key, manifest() if manifest else None)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=parent))
            os.rmdir(old)
            os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:  # a failed rename or Ctrl-C between the two renames
            if old is not None and not out.exists():
                os.replace(old, out)  # put the previous site back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as err:  # disk full, permissions: the user's to fix, not a traceback
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the site ({err.strerror or err}); the previous site is unchanged; "
                          "check free space and permissions") from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def recover_interrupted(out: Path) -> list[Path]:
    """Clean what a killed build left beside ``out``; returns the folders removed or restored.

    Only geomap's own ``.<name>.tmp-<pid>-*`` and ``.<name>.old-<pid>-*`` folders of processes that are gone
    are touched. A build killed between its two renames leaves the previous site as ``.old-``: it is put back.
    """
    parent = out.resolve().parent
    if not parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-(\d+)-[^/]+$")
    found = []
    for entry in sorted(parent.iterdir()):
        m = pattern.match(entry.name)
        if not m or not entry.is_dir() or entry.is_symlink() or _alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not out.exists() and (entry / MANIFEST).is_file():
            os.replace(entry, out)
            log.warning("%s: restored the previous site from %s, left by an interrupted build", out, entry.name)
        else:
            shutil.rmtree(entry, ignore_errors=True)
            log.warning("%s: removed %s, left by an interrupted build (process %s)", out, entry.name, m.group(2))
        found.append(entry)
    return found


def _write_manifest(root: Path, key: str | None, manifest: dict | None) -> None:
    if manifest is None:
        files, sizes = {}, {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            files[path.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
            sizes[path.relative_to(root).as_posix()] = len(data)
        manifest = {"generator": "geomap", "files": files, "sizes": sizes}
    manifest = {**manifest, **({"key": key} if key else {})}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")

