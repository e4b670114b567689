"""Read article files (.txt, .md, .html) into ``Article`` records.

Decoding never fails on bytes; metadata comes from YAML front matter when
present, otherwise from what the text itself states (title line, byline, date).
"""

from __future__ import annotations

import codecs
import errno
import logging
import re
from collections.abc import Iterable
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

from geomap.dates import find_dates
from geomap.errors import ConfigError, InputError
from geomap.gazetteer import parse_yaml
from geomap.model import Article

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_BYTES = 20 * 1024 * 1024  # an article larger than this is refused, not read into memory
FRONT_MATTER_KEYS = ("title", "outlet", "author", "published", "url")


class SkippedFile(InputError):
    """One article file could not be used; the build goes on without it."""


# --- finding files ---------------------------------------------------------


def find_articles(paths: Iterable[str | Path]) -> list[Path]:
    """Article files under the given folders and files, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # Symbolic links to folders are not followed (no loops); a link that leads nowhere is kept, so that
            # reading it says why it is skipped.
            files = [p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES
                     and (p.is_file() or p.is_symlink() and not p.is_dir())]
            found.extend(sorted(files))
        elif path.is_file() or path.is_symlink():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder; give a folder of .txt/.md/.html articles")
    unique: dict[Path, Path] = {}
    for p in found:
        try:
            key = p.resolve()
        except (OSError, RuntimeError):  # a symbolic link loop: read (and reported) on its own
            key = p.absolute()
        unique.setdefault(key, p)  # the same file named twice is read once
    found = list(unique.values())
    if not found:
        names = ", ".join(str(p) for p in paths)
        raise InputError(f"{names}: no articles found (looked for {', '.join(SUFFIXES)} files)")
    return found


def slug(name: str) -> str:
    """A stable id from a file name: lowercase ASCII letters, digits and hyphens."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "article"
    return "index-article" if s == "index" else s  # articles/index.html is the list of articles


# --- decoding --------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 saved without a BOM: text in the Latin range has a NUL in every other byte, and only there."""
    even, odd = head[0:len(head) - len(head) % 2:2], head[1:len(head) - len(head) % 2:2]
    if len(even) < 8:
        return None
    for encoding, zeros, chars in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) == 0:
            return encoding
    return None


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (or a BOM's encoding, or UTF-16 without one), then cp1252, then latin-1; refuses binary files."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    encoding = _bomless_utf16(data[:8192])
    if encoding:
        return data.decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        raise SkippedFile(f"{path}: looks like a binary file (NUL bytes), not an article; remove it or convert it to text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise SkippedFile(f"{path}: looks like a binary file (control characters), not an article; "
                          "remove it or convert it to text")
    return text


# --- front matter ----------------------------------------------------------

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        # One blank line first, so that YAML's line numbers are the file's (the block starts on line 2).
        meta = parse_yaml("\n" + m.group(1), path)
    except ConfigError as err:
        problem = err.message.removeprefix("invalid YAML: ")
        raise ConfigError(path, err.line, f"front matter is not valid YAML: {problem}") from err
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ConfigError(path, 2, f"front matter: expected a mapping of {', '.join(FRONT_MATTER_KEYS)}, "
                                   f"got {type(meta).__name__}")
    return meta, text[m.end():]


def _iso_date(value: object, path: Path, line: int | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    found = find_dates(str(value))
    if found:
        return found[0].value.isoformat()
    raise ConfigError(path, line, f"published: expected a date such as 2017-10-28, got {value!r}")


def _meta_text(meta: dict, key: str, path: Path, lines: dict[str, int]) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        line = lines.get(key)
        kind = "a mapping" if isinstance(value, dict) else "a list"
        raise ConfigError(path, line, f"front matter {key}: expected text, got {kind}")
    return str(value).strip() or None


# --- HTML ------------------------------------------------------------------

_DROP = {"script", "style", "noscript", "iframe", "template", "svg", "nav", "header", "footer", "aside",
         "form", "button", "select", "object", "embed", "canvas", "head"}
_BLOCK = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
          "blockquote", "pre", "table", "tr", "br", "hr", "figure", "figcaption", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed", "param",
         "track"}


class _HTMLText(HTMLParser):
    """Collects visible text, blocks as paragraphs; records <article>/<main> as the body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.drop_depth = 0
        self.body_start: int | None = None
        self.body_end: int | None = None
        self.body_tag: str | None = None
        self.title: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.time: str | None = None
        self._in: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("name") or a.get("property") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "time" and a.get("datetime") and self.time is None and not self.drop_depth:
            self.time = a["datetime"]
        if tag in ("title", "h1"):
            self._in.add(tag)
        if tag in _VOID:
            if tag in _BLOCK:
                self.parts.append("\n")
            return
        self.stack.append(tag)
        if tag in _DROP and tag != "head" or (tag == "head"):
            self.drop_depth += 1
        if tag in ("article", "main") and self.body_tag is None and not self.drop_depth:
            self.body_tag = tag
            self.body_start = len(self.parts)
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self._in.discard(tag)
        if tag not in self.stack:
            return  # a stray end tag in broken HTML
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag in _DROP:
                self.drop_depth -= 1
            if open_tag == self.body_tag and self.body_end is None and open_tag == tag:
                self.body_end = len(self.parts)
            if open_tag == tag:
                break
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if "title" in self._in:
            self.title.append(data)
        if self.drop_depth:
            return
        if "h1" in self._in:
            self.h1.append(data)
        self.parts.append(data)

    def text(self) -> str:
        parts = self.parts
        if self.body_start is not None:
            parts = parts[self.body_start:self.body_end]
        raw = "".join(parts)
        lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in raw.split("\n")]
        out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
        return out.strip() + "\n"


def html_to_text(source: str) -> tuple[str, dict]:
    """Visible article text of an HTML page, and the metadata its markup states."""
    parser = _HTMLText()
    parser.feed(source)
    if re.match(r"<[a-zA-Z/!?]", parser.rawdata):
        parser.rawdata = ""  # a tag cut off by the end of the file is dropped, as browsers do, not read as text
    parser.close()
    meta: dict = {}
    title = " ".join("".join(parser.h1).split()) or " ".join("".join(parser.title).split())
    if title:
        meta["title"] = title
    for key, names in (("author", ("author", "article:author")),
                       ("published", ("article:published_time", "date", "pubdate")),
                       ("outlet", ("og:site_name", "application-name")),
                       ("url", ("og:url",))):
        for name in names:
            if parser.meta.get(name):
                meta[key] = parser.meta[name]
                break
    if parser.time and "published" not in meta:
        meta["published"] = parser.time
    return parser.text(), meta


# --- inferring metadata from plain text --------------------------------------

_TAG = re.compile(r"<[^>]{0,200}>|\*\*|__")
_BYLINE = re.compile(r"^\s*(?:translated\s+)?by:?\s+(?P<rest>.+)$", re.I)
_TITLE_BY = re.compile(r"^(?P<title>.+?),\s+by\s+(?P<author>[A-Z][^,|]{2,60})$")
_TAGGED_NAME = re.compile(r"^\s*<(?P<tag>\w+)[^>]*>(?P<name>[^<]{2,60})</(?P=tag)>(?P<after>.*)$")
_NAME = re.compile(r"^(?P<name>(?:[A-Z][\w'’.-]*\.?\s?){1,4}[A-Z][\w'’-]+)")


def _clean(line: str) -> str:
    return " ".join(_TAG.sub("", line).replace("\u00a0", " ").split()).strip(" #|")


def infer_metadata(text: str) -> dict:
    """Title, author, outlet and date that the opening lines of a plain text state."""
    meta: dict = {}
    raw_lines = [line for line in text.splitlines()[:40] if _clean(line)]
    lines = [_clean(line) for line in raw_lines]
    def date_only(line: str) -> str | None:
        dates = find_dates(line)
        if dates and dates[0].start == 0 and len(line) - dates[0].end < 3:
            return dates[0].value.isoformat()
        return None

    for n, line in enumerate(lines[:6]):
        if date_only(line):
            meta.setdefault("published", date_only(line))
            continue  # a line that is only a date is not the title
        # A date line right under the headline is the publication date too.
        after = next((date_only(x) for x in lines[n + 1:n + 3] if date_only(x)), None)
        if after:
            meta.setdefault("published", after)
        m = _TITLE_BY.match(line)
        if m:
            meta["title"] = m.group("title").strip()
            meta["author"] = m.group("author").strip()
        else:
            meta["title"] = line
        break
    for raw in raw_lines[:12]:
        m = _BYLINE.match(raw.strip(" #*"))
        if not m or raw.lower().lstrip(" #*").startswith("translated"):
            continue
        # A name wrapped in markup ("By <u>Sophie Mangal</u> Global Research") ends where the markup does.
        tagged = _TAGGED_NAME.match(m.group("rest"))
        rest = _clean(tagged.group("after") if tagged else m.group("rest"))
        dates = find_dates(rest)
        if dates:
            meta.setdefault("published", dates[0].value.isoformat())
            rest = rest[: dates[0].start]
        name = _NAME.match(rest) if not tagged else None
        author = _clean(tagged.group("name")) if tagged else (name.group("name") if name else "")
        if author:
            meta.setdefault("author", author.strip())
            after = (rest if tagged else rest[name.end():]).strip(" ,|;-–—")
            outlet = re.split(r"\s*[|,;]\s*|\s+[-–—]\s+", after)[0].strip() if after else ""
            if outlet and outlet[0].isupper() and len(outlet) <= 60:
                meta.setdefault("outlet", outlet)
        break
    return meta


# --- reading ---------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing before reading what is over ``MAX_BYTES`` (the size is checked, then capped)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SkippedFile(f"{path}: {size / 2**20:.1f} MB is over the {MAX_BYTES // 2**20} MB article limit; "
                              "split it into articles or remove it")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # a file that grew after stat() is still not read whole
    except FileNotFoundError as err:
        raise SkippedFile(f"{path}: no longer exists (moved or deleted while geomap was running, or a broken "
                          "symbolic link); run the build again") from err
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise SkippedFile(f"{path}: symbolic link loop (it points back to itself); fix or remove the link") from err
        raise SkippedFile(f"{path}: cannot be read ({err.strerror or err}); check it exists and is readable") from err
    if len(data) > MAX_BYTES:
        raise SkippedFile(f"{path}: over the {MAX_BYTES // 2**20} MB article limit; split it into articles or remove it")
    return data


def read_article(path: Path) -> Article:
    """One file as an ``Article``; raises ``SkippedFile`` or ``ConfigError`` with the file named."""
    data = _read_bytes(path)
    if not data.strip():
        raise SkippedFile(f"{path}: empty file, nothing to read; remove it or put the article text in it")
    text = decode(data, path)
    front, body = split_front_matter(text, path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        body, stated = html_to_text(body)
    else:
        stated = infer_metadata(body)
    if not body.strip():
        raise SkippedFile(f"{path}: no article text after the front matter/markup; add the text or remove the file")
    if stated.get("published") and not front.get("published"):
        try:
            stated["published"] = _iso_date(stated["published"], path, None)
        except ConfigError:
            log.warning("%s: the page's date %r is not a date; published left empty", path, stated["published"])
            stated["published"] = None
    meta = {**stated, **{k: v for k, v in front.items() if v not in (None, "")}}
    lines = getattr(front, "key_lines", {})
    unknown = sorted(set(front) - set(FRONT_MATTER_KEYS))
    if unknown:
        log.warning("%s: front matter key(s) %s ignored; known keys: %s", path, ", ".join(map(str, unknown)),
                    ", ".join(FRONT_MATTER_KEYS))
    return Article(
        id=slug(path.stem),
        path=str(path),
        text=body,
        title=_meta_text(meta, "title", path, lines),
        outlet=_meta_text(meta, "outlet", path, lines),
        author=_meta_text(meta, "author", path, lines),
        published=_iso_date(meta.get("published"), path, lines.get("published")),
        url=_meta_text(meta, "url", path, lines),
    )
