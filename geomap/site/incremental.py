"""Incremental output: every file of the site has a content key; a rebuild links the unchanged ones from the last site.

A key is a digest of exactly what a file's rendering depends on (the rendering code, the site-wide facts, the
extractions it shows), so a file whose key is unchanged would be rendered to the same bytes. Such files are
hard-linked (copied when links fail) from the previous site into the new temporary folder, which still replaces
the site only when complete. A previous file is trusted only if its SHA-256 is still the one the manifest recorded:
an edited or corrupted file is rendered again. (File times are not used: the manifest, like every file of the site,
is the same for the same inputs.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from geomap.site.output import MANIFEST

log = logging.getLogger(__name__)
HASHING_THREADS = 4


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

    @classmethod
    def read(cls, out: Path) -> Previous | None:
        """The previous site, or None when there is none or its manifest is unreadable (then all is rendered)."""
        try:
            manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            return None
        sizes = manifest.get("sizes")
        return cls(out, manifest.get("site_key"), manifest.get("key"), manifest["files"], manifest.get("keys") or {},
                   sizes if isinstance(sizes, dict) else {})

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


class SiteFiles:
    """Writes the site's files into the temporary folder ``root``; one whose key is unchanged is linked from
    ``previous`` instead of rendered. Records what the manifest says about each file."""

    def __init__(self, root: Path, previous: Previous | None) -> None:
        self.root = root
        self.previous = previous
        self.files: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.reused = 0

    def write(self, name: str, key: str, render: Callable[[], str | bytes]) -> None:
        """``name``: the path in the site (posix); ``render`` is called only when the file must be rendered."""
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.previous is not None and self.previous.reusable(name, key):
            source = self.previous.root / name
            try:
                os.link(source, target)
            except OSError:  # another file system, no hard links, too many links: a copy does as well
                shutil.copy2(source, target)
            self.files[name] = self.previous.files[name]
            self.reused += 1
        else:
            content = render()
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(data)
            self.files[name] = hashlib.sha256(data).hexdigest()
        self.keys[name] = key
        self.sizes[name] = target.stat().st_size

    def manifest(self, site_key: str) -> dict:
        return {"generator": "geomap", "site_key": site_key, "files": self.files, "sizes": self.sizes, "keys": self.keys}
