"""Incremental output: every file of the site has a content key; a rebuild links the unchanged ones from the last site.

A key is a digest of exactly what a file's rendering depends on (the rendering code, the site-wide facts, the
extractions it shows), so a file whose key is unchanged would be rendered to the same bytes. Such files are
hard-linked (copied when links fail) from the previous site into the new temporary folder, which still replaces
the site only when complete. A previous file is trusted only if its SHA-256 is still the one the manifest recorded:
an edited or corrupted file is rendered again. (File times are not used: the manifest, like every file of the site,
is the same for the same inputs.)

A file that covers the whole corpus (the data exports) changes whenever any article does, so it is written as
keyed parts (``Parted``): one article's rows, one cluster. The manifest records each part's key and size, and a
rebuild copies an unchanged part's bytes out of the previous file, rendering only the parts that changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from geomap import parallel
from geomap.site.output import MANIFEST

log = logging.getLogger(__name__)
HASHING_THREADS = 4
PART_KEY = 32  # hex digits of a part's key kept in the manifest: 128 bits tell parts apart as well as 256


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Previous:
    """The site a rebuild replaces, as its manifest describes it."""

    root: Path
    site_key: str | None = None  # what the site shows (write_site's key of the whole corpus)
    key: str | None = None  # what it was built from, if the caller said (pipeline.site_key)
    files: dict[str, str] = field(default_factory=dict)  # path -> SHA-256
    keys: dict[str, str] = field(default_factory=dict)  # path -> content key
    sizes: dict[str, int] = field(default_factory=dict)  # path -> bytes
    parts: dict[str, dict] = field(default_factory=dict)  # path -> how a Parted file was made (SiteFiles.write_parts)

    @classmethod
    def read(cls, out: Path) -> Previous | None:
        """The previous site, or None when there is none or its manifest is unreadable (then all is rendered)."""
        try:
            manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            return None
        sizes, parts = manifest.get("sizes"), manifest.get("parts")
        return cls(out, manifest.get("site_key"), manifest.get("key"), manifest["files"], manifest.get("keys") or {},
                   sizes if isinstance(sizes, dict) else {}, parts if isinstance(parts, dict) else {})

    def intact(self, name: str) -> bool:
        """The file is still what the manifest says it is."""
        path = self.root / name
        try:
            return path.is_file() and not path.is_symlink() and sha256_file(path) == self.files.get(name)
        except OSError:
            return False

    def reusable(self, name: str, key: str) -> bool:
        if self.keys.get(name) != key or name not in self.files:
            return False
        if not self.intact(name):
            log.info("%s: changed or missing since the last build (not as the manifest says); rendered again",
                     self.root / name)
            return False
        return True

    def part_spans(self, name: str, parted: Parted) -> dict[str, tuple[int, int]]:
        """Part key -> (offset, size) in the previous file ``name``, if it was made the same way, is intact, and its
        parts add up to its size (else nothing is copied from it)."""
        made = self.parts.get(name)
        if not isinstance(made, dict) or made.get("head") != len(parted.head.encode("utf-8")) \
                or made.get("sep") != parted.sep or not isinstance(made.get("parts"), list):
            return {}
        spans: dict[str, tuple[int, int]] = {}
        offset, sep, first = made["head"], len(parted.sep.encode("utf-8")), True
        for entry in made["parts"]:
            key, _, size_text = str(entry).partition(" ")
            if not size_text.isdecimal():
                return {}
            size = int(size_text)
            if size:
                offset += 0 if first else sep
            spans.setdefault(key, (offset, size))
            offset, first = offset + size, first and not size
        if offset + len(parted.tail.encode("utf-8")) != self.sizes.get(name) or not self.intact(name):
            return {}
        return spans

    def on_disk(self) -> dict[str, int]:
        """Every file now in the folder but the manifest, with its size (a link as the link, a link to a folder too)."""
        found = {}
        for folder, dirs, names in os.walk(self.root):
            for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
                path = os.path.join(folder, name)
                found[os.path.relpath(path, self.root).replace(os.sep, "/")] = os.lstat(path).st_size
        found.pop(MANIFEST, None)
        return found

    def built_from(self, key: str | None) -> bool:
        """Whether this is a complete site built from exactly what ``key`` (``pipeline.site_key``) stands for, so
        building it again would write the same bytes: the folder holds exactly the listed files, at their sizes.

        Cheap (no file is read), so it can be asked before any article is."""
        if key is None or self.key != key or not self.sizes:
            return False
        try:
            return self.on_disk() == self.sizes
        except OSError:
            return False

    def up_to_date(self, site_key: str) -> bool:
        """Built from the same inputs by the same code, and no file changed, went missing or was added since."""
        if self.site_key != site_key or not self.keys or self.keys.keys() != self.files.keys():
            return False
        if self.on_disk().keys() != self.files.keys():
            return False
        with ThreadPoolExecutor(HASHING_THREADS) as pool:  # hashlib lets go of the GIL: files are hashed side by side
            return all(pool.map(self.intact, self.files))


@dataclass(frozen=True)
class Parted:
    """How a file is made of parts: ``head``, the non-empty parts joined by ``sep``, then ``tail``."""

    head: str = ""
    sep: str = ""
    tail: str = ""


@contextmanager
def _mapped(path: Path | None) -> Iterator[mmap.mmap | None]:
    """The file's bytes, mapped read-only (None for no file, or an empty one, which cannot be mapped)."""
    if path is None or path.stat().st_size == 0:
        yield None
        return
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        yield mapped


class SiteFiles:
    """Writes the site's files into the temporary folder ``root``; one whose key is unchanged is linked from
    ``previous`` instead of rendered. Records what the manifest says about each file. Call ``finish`` once every
    file is written: with ``jobs`` > 1 the pages are rendered then, side by side."""

    def __init__(self, root: Path, previous: Previous | None, jobs: int = 1) -> None:
        self.root = root
        self.previous = previous
        self.jobs = jobs
        self.files: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.parts: dict[str, dict] = {}
        self.reused = 0
        # Where processes fork, renders are put off until ``finish``: forked workers inherit the corpus and the
        # renderers as they are and write the files themselves. Elsewhere, or with one job, files are written at once.
        self._later: list[tuple[str, Callable[[], str | bytes]]] | None = [] if jobs > 1 and parallel.forks() else None

    def write(self, name: str, key: str, render: Callable[[], str | bytes]) -> None:
        """``name``: the path in the site (posix); ``render`` is called only when the file must be rendered."""
        target = self._target(name)
        self.keys[name] = key
        if self._link(name, key, target):
            self.sizes[name] = target.stat().st_size
        elif self._later is not None:
            self._later.append((name, render))
        else:
            self.files[name], self.sizes[name] = self._put(name, render)

    def _put(self, name: str, render: Callable[[], str | bytes]) -> tuple[str, int]:
        """Render ``name`` into the folder: its SHA-256 and size."""
        content = render()
        data = content.encode("utf-8") if isinstance(content, str) else content
        (self.root / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest(), len(data)

    def finish(self) -> None:
        """Render the files whose rendering was put off (see ``__init__``), in ``jobs`` processes."""
        if not self._later:
            return
        later, self._later = self._later, []
        jobs = parallel.fork_budget(self.jobs, f"{len(later)} pages rendered")
        made = parallel.map_processes(lambda n: self._put(*later[n]), range(len(later)), jobs,
                                      parallel.Progress(len(later), "pages", "rendered"))
        for (name, _), (sha, size) in zip(later, made, strict=True):
            self.files[name], self.sizes[name] = sha, size

    def write_parts(self, name: str, key: str, parted: Parted, parts: Iterable[tuple[str, Callable[[], str]]]) -> None:
        """A file of keyed parts, ``(part key, render)`` in file order: unchanged parts are copied out of the previous
        file (read through a memory map, so a large export is never held whole), the others rendered."""
        target = self._target(name)
        if not self._link(name, key, target):
            spans = self.previous.part_spans(name, parted) if self.previous is not None else {}
            made: list[str] = []  # "key size" per part: one short line each in the manifest
            digest = hashlib.sha256()
            with target.open("wb") as out, _mapped(self.previous.root / name if spans else None) as old:

                def put(data: bytes) -> None:
                    out.write(data)
                    digest.update(data)

                put(parted.head.encode("utf-8"))
                sep, first = parted.sep.encode("utf-8"), True
                for part_key, render in parts:
                    part_key = part_key[:PART_KEY]
                    span = spans.get(part_key)
                    if span is None:
                        data = render().encode("utf-8")
                    else:
                        data = old[span[0]:span[0] + span[1]] if span[1] else b""
                    if data:
                        put(data if first else sep + data)
                        first = False
                    made.append(f"{part_key} {len(data)}")
                put(parted.tail.encode("utf-8"))
            self.files[name] = digest.hexdigest()
            self.parts[name] = {"head": len(parted.head.encode("utf-8")), "sep": parted.sep, "parts": made}
        self.keys[name] = key
        self.sizes[name] = target.stat().st_size

    def _target(self, name: str) -> Path:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _link(self, name: str, key: str, target: Path) -> bool:
        """Link (or copy) the previous site's file ``name`` if its key is ``key``; whether it was."""
        if self.previous is None or not self.previous.reusable(name, key):
            return False
        source = self.previous.root / name
        try:
            os.link(source, target)
        except OSError:  # another file system, no hard links, too many links: a copy does as well
            shutil.copy2(source, target)
        self.files[name] = self.previous.files[name]
        if name in self.previous.parts:
            self.parts[name] = self.previous.parts[name]
        self.reused += 1
        return True

    def manifest(self, site_key: str) -> dict:
        if self._later:
            raise RuntimeError("SiteFiles.finish() was not called: some files were never rendered")
        return {"generator": "geomap", "site_key": site_key, "files": self.files, "sizes": self.sizes, "keys": self.keys,
                "parts": self.parts}
