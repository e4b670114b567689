"""Loading and validating gazetteer YAML: every problem is ``file:line: key: what is wrong``."""

from __future__ import annotations

from pathlib import Path

import pytest

from geomap.cli import main
from geomap.errors import ConfigError
from geomap.gazetteer import load
from geomap.geo import point, polygon
from geomap.textnorm import name_keys

GAZETTEER = Path(__file__).resolve().parent.parent / "gazetteer.yaml"  # as in conftest.py

VALID = """\
version: 1
places:
  - id: hawija
    name: al-Hawija
    aliases: [Hawija, Huwijah, "Ḥawījah"]
    kind: town
    country: IQ
    region: Kirkuk
    point: [35.32, 43.77]
  - id: mayadin
    name: Mayadin
    aliases: [el-Mayadin]
    kind: town
    country: SY
    point: [35.02, 40.45]
  - id: anbar
    name: Anbar province
    kind: region
    country: IQ
    polygon: [[33.0, 40.0], [34.5, 40.0], [34.5, 43.0], [33.0, 43.0], [33.0, 40.0]]
  - id: euphrates
    name: Euphrates
    kind: river
    country: IQ
    line: [[34.4, 41.0], [34.1, 42.4]]
  - id: old-city
    name: Old City of Hawija
    kind: neighbourhood
    country: IQ
    within: hawija
    population: 1200
    geonames: 12345
    note: a test place
    point: [35.32, 43.77]
"""


def write(tmp_path: Path, text: str, name: str = "gazetteer.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path):
    g = load(write(tmp_path, VALID))
    assert len(g) == 5
    assert set(g.entries) == {"hawija", "mayadin", "anbar", "euphrates", "old-city"}
    hawija = g.place("hawija")
    assert (hawija.name, hawija.lat, hawija.lon, hawija.kind, hawija.country, hawija.region, hawija.source) == (
        "al-Hawija", 35.32, 43.77, "town", "IQ", "Kirkuk", "gazetteer")
    assert g.entries["old-city"].within == "hawija"
    assert g.place("old-city").population == 1200 and g.place("old-city").geonames == 12345


@pytest.mark.parametrize("key, place_id", [
    ("al hawija", "hawija"),   # the name as written, folded
    ("hawija", "hawija"),      # ... without its article
    ("huwijah", "hawija"),
    ("hawijah", "hawija"),     # diacritics folded away
    ("el mayadin", "mayadin"),
    ("al mayadin", "mayadin"),  # el- also matches as al-
    ("mayadin", "mayadin"),
    ("anbar province", "anbar"),
    ("old city of hawija", "old-city"),
])
def test_names_index_has_folded_keys(tmp_path, key, place_id):
    g = load(write(tmp_path, VALID))
    assert g.names[key] == [place_id]
    assert [p.id for p in g.lookup(key)] == [place_id]


def test_names_index_is_exactly_the_name_keys(tmp_path):
    g = load(write(tmp_path, VALID))
    expected = set()
    for name in ("al-Hawija", "Hawija", "Huwijah", "Ḥawījah", "Mayadin", "el-Mayadin", "Anbar province", "Euphrates",
                 "Old City of Hawija"):
        expected |= name_keys(name)
    assert set(g.names) == expected


def test_line_and_polygon_get_a_point_on_them(tmp_path):
    g = load(write(tmp_path, VALID))
    anbar, river = g.place("anbar"), g.place("euphrates")
    assert (anbar.geometry, river.geometry) == ("polygon", "line")
    assert 33.0 < anbar.lat < 34.5 and 40.0 < anbar.lon < 43.0
    assert polygon(anbar.coords).contains(point(anbar.lat, anbar.lon))
    assert anbar.coords[0] == anbar.coords[-1] == (33.0, 40.0)
    assert (river.lat, river.lon) == (34.25, 41.7)  # half-way along the line
    assert g.place("hawija").coords == ()


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert len(load(path)) == 5


# --- malformed files: (yaml, line, fragments of the message) ---------------------------------------------------------

PLACE = """\
  - id: hawija
    name: Hawija
    kind: town
    country: IQ
    point: [35.32, 43.77]
"""  # lines 3-7 after the two header lines
HEAD = "version: 1\nplaces:\n"

MALFORMED = [
    pytest.param(HEAD + "  - id: hawija\n\tname: Hawija\n", 4, ["invalid YAML", "tab character", "spaces"], id="tab"),
    pytest.param(HEAD + PLACE + PLACE.replace("name: Hawija", "name: Huwija"), 8,
                 ["id: 'hawija' is used twice", "first on line 3"], id="duplicate-id"),
    pytest.param(HEAD + PLACE + "  - aliases: [al-Hawija]\n    id: mosul\n    name: Mosul\n    kind: city\n"
                 "    country: IQ\n    point: [36.34, 43.13]\n", 8,
                 ["aliases: 'al-Hawija' also names 'hawija' (line 3)"], id="duplicate-alias"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", "[123, 43.77]"), 7,
                 ["point: latitude must be in the [-90; 90] range, got 123", "[lat, lon]"], id="latitude-123"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", "[43.77, 235.32]"), 7,
                 ["point: longitude must be in the [-180; 180] range"], id="longitude-out-of-range"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", "[35.32]"), 7, ["point: expected [lat, lon]"], id="one-number"),
    pytest.param(HEAD + PLACE + "  - [mosul, Mosul, city]\n", 8, ["place: expected a mapping"], id="place-is-a-list"),
    pytest.param(HEAD + PLACE + "    colour: red\n", 8, ["colour: unknown key", "expected one of id, name"],
                 id="unknown-key"),
    pytest.param(HEAD + PLACE.replace("    country: IQ\n", ""), 3, ["country: required, missing"], id="missing-country"),
    pytest.param(HEAD + PLACE.replace("    name: Hawija\n", ""), 3, ["name: required, missing"], id="missing-name"),
    pytest.param(HEAD + PLACE.replace("kind: town", "kind: metropolis"), 5,
                 ["kind: expected one of country, region, city", "got 'metropolis'"], id="unknown-kind"),
    pytest.param(HEAD + PLACE.replace("country: IQ", "country: Iraq"), 6,
                 ["country: expected an ISO-2 code", "got 'Iraq'"], id="country-not-iso2"),
    pytest.param(HEAD + PLACE.replace("country: IQ", "country: iq"), 6, ["country: expected an ISO-2 code"],
                 id="country-lowercase"),
    pytest.param(HEAD + PLACE.replace("id: hawija", "id: Hawija Town"), 3, ["id: expected lowercase letters"],
                 id="id-not-a-slug"),
    pytest.param(HEAD + PLACE.replace("point: [35.32, 43.77]",
                                      "polygon: [[33.0, 40.0], [34.5, 40.0], [34.5, 43.0], [33.0, 43.0]]"), 7,
                 ["polygon: the polygon is not closed", "[33.0, 40.0]"], id="polygon-not-closed"),
    pytest.param(HEAD + PLACE.replace("point: [35.32, 43.77]",
                                      "polygon: [[33.0, 40.0], [34.5, 43.0], [34.5, 40.0], [33.0, 43.0], [33.0, 40.0]]"),
                 7, ["polygon: the outline crosses itself"], id="polygon-self-intersecting"),
    pytest.param(HEAD + PLACE.replace("point: [35.32, 43.77]", "line: [[35.32, 43.77]]"), 7,
                 ["line: a line needs at least 2 points"], id="line-one-point"),
    pytest.param(HEAD + PLACE.replace("    point: [35.32, 43.77]\n", ""), 3,
                 ["hawija: expected exactly one of point, line, polygon, got none"], id="no-geometry"),
    pytest.param(HEAD + PLACE + "  - within: baghdad\n    id: old-city\n    name: Old City\n    kind: neighbourhood\n"
                 "    country: IQ\n    point: [35.3, 43.7]\n", 8,
                 ["within: 'baghdad' is not the id of any place"], id="within-unknown-id"),
    pytest.param(HEAD + PLACE.replace("point: [35.32, 43.77]", "point: &here [35.32, 43.77]")
                 + PLACE.replace("id: hawija", "id: huwija").replace("name: Hawija", "name: Huwija")
                 .replace("point: [35.32, 43.77]", "point: *here"), 12,
                 ["YAML aliases (*name) are not allowed"], id="yaml-alias"),
    pytest.param(HEAD + PLACE + "    kind: city\n", 8, ["kind: given twice in one entry (first on line 5)"],
                 id="same-key-twice"),
    pytest.param(HEAD + PLACE.replace("    kind: town\n", "    kind: town\n    population: many\n"), 6,
                 ["population: expected a whole number"], id="population-not-a-number"),
    pytest.param(HEAD + PLACE + "extra: 1\n", 8, ["extra: unknown top-level key"], id="unknown-top-level-key"),
    pytest.param("version: 2\nplaces: []\n", 1, ["version: expected 1, got 2"], id="version-2"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", "[43.77, 35.32]"), 7,
                 ["point: [43.77, 35.32] lies outside IQ, but [35.32, 43.77] lies inside it: latitude and longitude "
                  "look swapped; the order is [lat, lon]"], id="swapped-point"),
    pytest.param(HEAD + PLACE.replace("point: [35.32, 43.77]",
                                      "polygon: [[40.0, 33.0], [40.0, 34.5], [43.0, 34.5], [43.0, 33.0], [40.0, 33.0]]"),
                 7, ["polygon: lies outside IQ, but it would lie, with each pair swapped, inside it"], id="swapped-polygon"),
    pytest.param(HEAD + PLACE.replace("name: Hawija", "name: 123"), 4, ["name: expected text, got a number"],
                 id="name-a-number"),
    pytest.param(HEAD + PLACE.replace("    kind: town\n", "    kind: town\n    aliases: Hawija\n"), 6,
                 ["aliases: expected a list of names, got text"], id="aliases-text-not-list"),
    pytest.param(HEAD + PLACE.replace("    kind: town\n", "    kind: town\n    aliases: [1, 2]\n"), 6,
                 ["aliases: expected a list of names, got a list"], id="aliases-numbers"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", '"35.32, 43.77"'), 7, ["point: expected [lat, lon], got '35.32"],
                 id="point-as-text"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", '["35.32", 43.77]'), 7,
                 ["point: expected two numbers [lat, lon], got ['35.32', 43.77]"], id="latitude-as-text"),
    pytest.param(HEAD + PLACE.replace("    kind: town\n", "    kind: town\n    geonames: true\n"), 6,
                 ["geonames: expected a whole number, got True"], id="geonames-boolean"),
    pytest.param(HEAD + PLACE.replace("    kind: town\n", "    kind: town\n    region: [Kirkuk]\n"), 6,
                 ["region: expected text, got a list"], id="region-a-list"),
    pytest.param(HEAD + PLACE.replace("[35.32, 43.77]", "[.nan, 43.77]"), 7, ["point: expected finite numbers"],
                 id="latitude-nan"),
    pytest.param("version: 1\nplaces:\n  - {id: hawija, name: Hawija\n", 3,
                 ["invalid YAML: a '{' opened on this line is never closed"], id="unclosed-flow-mapping"),
    pytest.param(HEAD + PLACE + "  - id: 'mosul\n", 8, ["invalid YAML: a quote opened on this line is never closed"],
                 id="unclosed-quote"),
    pytest.param(HEAD + PLACE.replace("name: Hawija", "name: Hawija: Town"), 4, ["invalid YAML", "mapping values"],
                 id="syntax-error"),
]


@pytest.mark.parametrize("text, line, fragments", MALFORMED)
def test_malformed_file_reports_file_and_line(tmp_path, text, line, fragments):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    err = info.value
    assert (err.path, err.line) == (path, line)
    assert str(err) == f"{path}:{line}: {err.message}"
    for fragment in fragments:
        assert fragment in err.message


@pytest.mark.parametrize("extra, key_line", [
    ("  - id: mosul\n    name: Mosul\n    kind: city\n    country: IQ\n    aliases: [Hawija]\n"
     "    point: [36.34, 43.13]\n", 12),
    ("  - id: old-city\n    name: Old City\n    kind: neighbourhood\n    country: IQ\n    within: baghdad\n"
     "    point: [35.3, 43.7]\n", 12),
    ("  - name: Huwija\n    kind: town\n    country: IQ\n    id: hawija\n    point: [35.3, 43.7]\n", 11),
])
def test_cross_place_errors_point_at_the_key_line(tmp_path, extra, key_line):
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, HEAD + PLACE + extra))
    assert info.value.line == key_line


@pytest.mark.parametrize("text, expected", [
    (HEAD + "  - [mosul, Mosul, city]\n", "got a list"),
    ("version: 1\nplaces:\n  hawija: {name: Hawija}\n", "got a mapping"),
])
def test_type_names_in_messages_are_plain_words(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, text))
    assert info.value.message.endswith(expected)


@pytest.mark.parametrize("text, fragment", [
    ("", "expected a mapping with 'version: 1' and 'places:'"),
    ("- just\n- a list\n", "expected a mapping with 'version: 1' and 'places:'"),
    ("version: 1\n", "a mapping without 'places'"),
])
def test_wrong_top_level_shape(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 1
    assert str(info.value).startswith(f"{path}:1: ")
    assert fragment in info.value.message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="gazetteer not found") as info:
        load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(VALID.replace("Ḥawījah", "Hawija2").encode("utf-8").replace(b"Mayadin\n", b"Mayad\xeen\n"))
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load(path)
    assert str(path) in str(info.value)


# --- the CLI ---------------------------------------------------------------------------------------------------------


def test_cli_check_valid(tmp_path, runner):
    path = write(tmp_path, VALID)
    result = runner.invoke(main, ["gazetteer", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: 5 places," in result.output and "valid" in result.output


@pytest.mark.parametrize("text, line", [
    (HEAD + PLACE.replace("kind: town", "kind: metropolis"), 5),
    (HEAD + "  - id: hawija\n\tname: Hawija\n", 4),
])
def test_cli_check_broken(tmp_path, runner, text, line):
    path = write(tmp_path, text)
    result = runner.invoke(main, ["gazetteer", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}: " in result.output
    assert "Traceback" not in result.output


def test_cli_check_missing_file(tmp_path, runner):
    result = runner.invoke(main, ["gazetteer", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml" in result.output and "not found" in result.output


# --- the repo's real gazetteer ---------------------------------------------------------------------------------------


def test_repo_gazetteer_loads():
    if not GAZETTEER.is_file():
        pytest.skip(f"{GAZETTEER} does not exist yet (it is being written separately)")
    g = load(GAZETTEER)
    assert len(g) > 0
    for entry in g.entries.values():
        assert entry.within is None or entry.within in g.entries
        p = entry.place
        assert -90 <= p.lat <= 90 and -180 <= p.lon <= 180
        for key in name_keys(p.name):
            assert g.names[key] == [p.id]  # every name leads to its own place only


def test_a_name_shared_within_one_country_is_refused_whatever_lies_between(tmp_path):
    places = "".join(
        f"  - {{id: foo-{n}, name: Foo, kind: town, country: {cc}, point: [{lat}, 40.0]}}\n"
        for n, (cc, lat) in enumerate([("IQ", 33.0), ("SY", 35.0), ("IQ", 34.0)]))
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, HEAD + places))
    assert info.value.line == 5 and "also names 'foo-0'" in info.value.message


# --- hostile files: YAML bombs and sizes ----------------------------------------------------------------------------


def test_a_yaml_bomb_is_refused_at_its_first_alias_without_expanding(tmp_path):
    """Billion laughs: 9 levels of 9 aliases would expand to 387 million strings; refused while parsing events."""
    levels = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
    path = write(tmp_path, "version: 1\nl0: &l0 lol\n" + levels + "places: *l9\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f"{path}:3: YAML aliases (*name) are not allowed here; write the value out"


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo pwned']", "!!python/name:os.system"])
def test_python_tags_are_refused(tmp_path, tag):
    path = write(tmp_path, HEAD + PLACE.replace("name: Hawija", f"name: {tag}"))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 4
    assert "invalid YAML: could not determine a constructor for the tag" in info.value.message


def test_a_gazetteer_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = write(tmp_path, VALID)
    with path.open("ab") as fh:
        fh.truncate(6 * 1024 * 1024)  # sparse: 6 MB that cost no disk, and would be NUL bytes if read
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == (f"{path}: 6,291,456 bytes is over the 5,242,880-byte limit for a gazetteer; "
                               "keep it to curated places (other names are looked up in GeoNames)")
