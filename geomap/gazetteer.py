"""Load and validate ``gazetteer.yaml``, the curated places users edit.

Validation happens once, here, and every problem is reported as
``gazetteer.yaml:LINE: key: expected X, got Y`` (MkDocs style).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import yaml

from geomap.errors import ConfigError
from geomap.geo import line as make_line
from geomap.geo import polygon as make_polygon
from geomap.geo import validate_location
from geomap.model import Place
from geomap.textnorm import name_keys

KINDS = ("country", "region", "city", "town", "village", "district", "neighbourhood", "site", "base", "camp",
         "crossing", "river", "border", "area")
KEYS = ("id", "name", "aliases", "kind", "country", "point", "line", "polygon", "region", "within", "geonames",
        "population", "note")
GEOMETRY_KEYS = ("point", "line", "polygon")
MAX_BYTES = 5 * 1024 * 1024
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _LineDict(dict):
    """A mapping that remembers the line of each of its keys."""

    line: int = 0
    key_lines: dict


class _LineList(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """safe_load, keeping line numbers; dates stay text so that they are validated with their line."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    d = _LineDict(loader.construct_mapping(node, deep=True))
    d.line = node.start_mark.line + 1
    d.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return d


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _LineList:
    seq = _LineList(loader.construct_sequence(node, deep=True))
    seq.line = node.start_mark.line + 1
    return seq


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _construct_unique_keys(loader: _Loader, node: yaml.MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                raise ConfigError(loader.name, key.start_mark.line + 1,
                                  f"{key.value}: given twice in one entry (first on line {seen[key.value]})")
            seen[key.value] = key.start_mark.line + 1


_OPENED = {"a quoted scalar": "a quote", "a flow mapping": "a '{'", "a flow sequence": "a '['"}


def parse_yaml(text: str, path: Path) -> object:
    """``safe_load`` with line numbers kept, no anchors/aliases (YAML bombs), friendly syntax errors."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ConfigError(path, event.start_mark.line + 1,
                                  "YAML aliases (*name) are not allowed here; write the value out")
        for node in _walk(yaml.compose(text, Loader=yaml.SafeLoader)):
            _construct_unique_keys(_NamedLoader(path), node)
        loader = _Loader(text)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or str(err)
        if ("end of stream" in problem or "<stream end>" in problem) and err.context and err.context_mark is not None:
            # An unclosed quote or bracket is found at the end of the file; say where it was opened.
            mark = err.context_mark
            opened = err.context.removeprefix("while scanning ").removeprefix("while parsing ")
            opened = _OPENED.get(opened, opened)
            problem = f"{opened} opened on this line is never closed"
        line = mark.line + 1 if mark else None
        if mark is not None and "\t" in problem + _line_at(text, mark.line):
            problem = "tab character: indent with spaces, not tabs"
        raise ConfigError(path, line, f"invalid YAML: {problem}") from err
    except yaml.YAMLError as err:
        raise ConfigError(path, None, f"invalid YAML: {err}") from err
    except ValueError as err:  # the timestamp constructor's "2017-02-30"
        raise ConfigError(path, None, f"invalid value: {err}") from err


class _NamedLoader:
    def __init__(self, path: Path) -> None:
        self.name = str(path)


def _walk(node: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            yield n
            stack.extend(v for pair in n.value for v in pair)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _line_at(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


# --- the validated model ----------------------------------------------------


@dataclass(frozen=True)
class Entry:
    place: Place
    aliases: tuple[str, ...]
    within: str | None
    note: str | None
    line: int
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Gazetteer:
    """Curated places and the folded names that find them."""

    def __init__(self, entries: list[Entry], path: Path | None = None) -> None:
        self.path = path
        self.entries = {e.place.id: e for e in entries}
        self.names: dict[str, list[str]] = {}
        for e in entries:
            for name in (e.place.name, *e.aliases):
                for key in name_keys(name):
                    ids = self.names.setdefault(key, [])
                    if e.place.id not in ids:
                        ids.append(e.place.id)

    def __len__(self) -> int:
        return len(self.entries)

    def place(self, place_id: str) -> Place:
        return self.entries[place_id].place

    def lookup(self, folded: str) -> list[Place]:
        return [self.entries[i].place for i in self.names.get(folded, ())]


@lru_cache(maxsize=8)
def names_automaton(gazetteer: Gazetteer) -> ahocorasick.Automaton:
    """Every folded name of the gazetteer (the value: the name), to find them all in one pass over a folded text."""
    automaton = ahocorasick.Automaton()
    for key in gazetteer.names:
        automaton.add_word(key, key)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def load(path: Path | str) -> Gazetteer:
    """Read and validate a gazetteer file; raises ``ConfigError`` at the first problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(path, None, f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit for a gazetteer; "
                                          "keep it to curated places (other names are looked up in GeoNames)")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise ConfigError(path, None, "gazetteer not found; pass --gazetteer PATH or create gazetteer.yaml") from err
    except UnicodeDecodeError as err:
        raise ConfigError(path, None, f"not UTF-8 text ({err.reason}); save it as UTF-8") from err
    except OSError as err:
        raise ConfigError(path, None, f"cannot be read: {err.strerror}") from err
    return from_data(parse_yaml(text, path), path)


def from_data(data: object, path: Path) -> Gazetteer:
    if not isinstance(data, dict) or "places" not in data:
        got = type(data).__name__ if not isinstance(data, dict) else "a mapping without 'places'"
        raise ConfigError(path, getattr(data, "line", 1), f"expected a mapping with 'version: 1' and 'places:', got {got}")
    extra = sorted(set(data) - {"version", "places"})
    if extra:
        raise ConfigError(path, data.key_lines.get(extra[0], data.line),
                          f"{extra[0]}: unknown top-level key; expected version, places")
    if data.get("version", 1) != 1:
        raise ConfigError(path, data.key_lines.get("version"), f"version: expected 1, got {data.get('version')!r}")
    places = data["places"]
    if not isinstance(places, list):
        raise ConfigError(path, data.key_lines.get("places"), f"places: expected a list of places, got {_kind(places)}")
    entries: list[Entry] = []
    ids: dict[str, int] = {}
    keys: dict[str, list[tuple[str, int, str]]] = {}
    for raw in places:
        entry = _entry(raw, path, getattr(places, "line", 1))
        pid = entry.place.id
        if pid in ids:
            raise ConfigError(path, entry.at("id"), f"id: {pid!r} is used twice (first on line {ids[pid]})")
        ids[pid] = entry.line
        for name in (entry.place.name, *entry.aliases):
            for key in name_keys(name):
                # Places in different countries may share a name (Riyadh, al-Riyadh): context tells them apart.
                clash = next((o for o in keys.get(key, ()) if o[0] != pid and o[2] == entry.place.country), None)
                if clash:
                    field = "aliases" if name in entry.aliases else "name"
                    raise ConfigError(path, entry.at(field), f"{field}: {name!r} also names {clash[0]!r} (line {clash[1]}) "
                                      "in the same country; make it specific, e.g. 'Raqqa province'")
                keys.setdefault(key, []).append((pid, entry.line, entry.place.country))
        entries.append(entry)
    for e in entries:
        if e.within and e.within not in ids:
            raise ConfigError(path, e.at("within"), f"within: {e.within!r} is not the id of any place in this file")
    return Gazetteer(entries, path)


def _kind(value: object) -> str:
    """A type as a user says it: 'a list', not '_LineList'."""
    for types, word in ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "text"),
                        ((int, float), "a number"), (type(None), "nothing")):
        if isinstance(value, types):
            return word
    return type(value).__name__


def _entry(raw: object, path: Path, list_line: int) -> Entry:
    if not isinstance(raw, dict):
        raise ConfigError(path, getattr(raw, "line", list_line), f"place: expected a mapping (id, name, kind, ...), "
                          f"got {_kind(raw)}")
    line = raw.line

    def at(key: str) -> int:
        return raw.key_lines.get(key, line)

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(path, at(key), f"{key}: {message}")

    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise fail(str(unknown[0]), f"unknown key; expected one of {', '.join(KEYS)}")
    for key in ("id", "name", "kind", "country"):
        if key not in raw:
            raise ConfigError(path, line, f"{key}: required, missing from this place")
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(key, f"expected text, got {_kind(raw[key])}")
    pid = raw["id"]
    if not _ID.match(pid):
        raise fail("id", f"expected lowercase letters, digits and hyphens (e.g. 'deir-ez-zor'), got {pid!r}")
    if raw["kind"] not in KINDS:
        raise fail("kind", f"expected one of {', '.join(KINDS)}, got {raw['kind']!r}")
    country = raw["country"]
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise fail("country", f"expected an ISO-2 code such as IQ or SY, got {country!r}")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise fail("aliases", f"expected a list of names, got {_kind(aliases)}")
    geoms = [k for k in GEOMETRY_KEYS if k in raw]
    if len(geoms) != 1:
        raise ConfigError(path, line, f"{pid}: expected exactly one of point, line, polygon, got "
                          f"{', '.join(geoms) or 'none'}")
    gkey = geoms[0]
    coords = _coords(raw[gkey], gkey, fail)
    lat, lon = coords[0]
    if gkey != "point":
        shape = make_line(coords) if gkey == "line" else make_polygon(coords)
        if gkey == "polygon" and not shape.is_valid:
            raise fail(gkey, "the outline crosses itself; refused, not repaired (a guessed repair could move the "
                                   "place): redraw it so that edges do not intersect")
        c = shape.representative_point() if gkey == "polygon" else shape.interpolate(0.5, normalized=True)
        lat, lon = round(c.y, 5), round(c.x, 5)
    if _looks_swapped(lat, lon, country):
        where = f"{[coords[0][0], coords[0][1]]} lies" if gkey == "point" else "lies"
        swapped = f"[{coords[0][1]}, {coords[0][0]}] lies" if gkey == "point" else "it would lie, with each pair swapped,"
        raise fail(gkey, f"{where} outside {country}, but {swapped} inside it: latitude and longitude look swapped; "
                         "the order is [lat, lon]")
    for key in ("geonames", "population"):
        if key in raw and (isinstance(raw[key], bool) or not isinstance(raw[key], int) or raw[key] < 0):
            raise fail(key, f"expected a whole number, got {raw[key]!r}")
    for key in ("region", "within", "note"):
        if key in raw and not isinstance(raw[key], str):
            raise fail(key, f"expected text, got {_kind(raw[key])}")
    place = Place(
        id=pid, name=raw["name"].strip(), lat=lat, lon=lon, kind=raw["kind"], country=country, source="gazetteer",
        region=raw.get("region"), geometry=gkey, coords=coords if gkey != "point" else (),
        population=raw.get("population", 0), geonames=raw.get("geonames"),
    )
    return Entry(place, tuple(a.strip() for a in aliases), raw.get("within"), raw.get("note"), line, dict(raw.key_lines))


def _looks_swapped(lat: float, lon: float, country: str) -> bool:
    """A place outside its stated country that would be inside it with latitude and longitude swapped."""
    from geomap.regions import region_index  # loaded once per process; the build needs it anyway

    if not -90 <= lon <= 90:
        return False
    index = region_index()
    here = index.locate(lat, lon, tolerance_deg=0.05)
    if here is not None and here.country == country:
        return False
    there = index.locate(lon, lat)
    return there is not None and there.country == country


def _coords(value: object, key: str, fail) -> tuple[tuple[float, float], ...]:
    def pair(v: object) -> tuple[float, float]:
        if not isinstance(v, list) or len(v) != 2:
            raise fail(key, f"expected [lat, lon], got {v!r}")
        try:
            return validate_location(v[0], v[1])
        except ValueError as err:
            raise fail(key, str(err)) from err

    if key == "point":
        return (pair(value),)
    if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
        raise fail(key, f"expected a list of [lat, lon] pairs, got {_kind(value)}")
    coords = tuple(pair(v) for v in value)
    if key == "line" and len(coords) < 2:
        raise fail(key, f"a line needs at least 2 points, got {len(coords)}")
    if key == "polygon":
        if len(coords) < 4:
            raise fail(key, f"a polygon needs at least 4 points (first repeated last), got {len(coords)}")
        if coords[0] != coords[-1]:
            raise fail(key, f"the polygon is not closed; refused, not repaired: repeat the first point "
                            f"{list(coords[0])} as the last")
    return coords
