"""``geomap eval``: reading gold corpora in both schemas, the scoring arithmetic, and the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from geomap.cli import main
from geomap.errors import InputError
from geomap.evaluate import GoldArticle, GoldToponym, read_corpus, score
from geomap.geo import haversine_km
from geomap.model import Mention, Place

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "eval"

GAZETTEER = """\
version: 1
places:
  - id: mosul
    name: Mosul
    kind: city
    country: IQ
    point: [36.335, 43.11889]
"""

LGL_TEXT = "Fighting in Mosul went on. Later Tal Afar and Hawija were quiet."


def lgl_xml() -> str:
    # Mosul at 12-17 is stated right; Tal Afar (really 33-41) is stated 3 characters late, at 36-44;
    # Hawija (46-52) has no <gaztag>.
    return f"""<?xml version="1.0" encoding="utf-8"?>
<articles>
    <article docid="42">
        <title>  Mosul news
        </title>
        <url>http://example.org/mosul</url>
        <dltime>2017-10-06</dltime>
        <text><![CDATA[{LGL_TEXT}]]></text>
        <toponyms>
            <toponym>
                <phrase>Mosul</phrase>
                <start>12</start>
                <end>17</end>
                <gaztag geonameid="99072">
                    <name>Mosul</name>
                    <lat>36.335</lat>
                    <lon>43.11889</lon>
                </gaztag>
            </toponym>
            <toponym>
                <phrase>Tal Afar</phrase>
                <start>36</start>
                <end>44</end>
                <gaztag geonameid="98361">
                    <name>Tall 'Afar</name>
                    <lat>36.37913</lat>
                    <lon>42.44806</lon>
                </gaztag>
            </toponym>
            <toponym>
                <phrase>Hawija</phrase>
                <start>46</start>
                <end>52</end>
            </toponym>
        </toponyms>
    </article>
</articles>
"""


GEOVIRUS_TEXT = "Cases rose in Pandi, Bulacan &amp; in Manila."  # "&amp;" is one character once parsed


def geovirus_xml() -> str:
    # Parsed text: "Cases rose in Pandi, Bulacan & in Manila."; Pandi is [14:19], Bulacan [21:28], Manila [34:40];
    # the file states them 1-based (start+1, end+1).
    return f"""<articles>
    <article>
        <source>https://en.wikinews.org/wiki/Example</source>
        <text>{GEOVIRUS_TEXT}</text>
        <locations>
            <location><name>Pandi</name><start>15</start><end>20</end><lat>14.87</lat><lon>120.95</lon>
                <page>https://en.wikipedia.org/wiki/Pandi,_Bulacan</page></location>
            <location><name>Bulacan</name><start>22</start><end>29</end><lat>15</lat><lon>121.08</lon>
                <page>https://en.wikipedia.org/wiki/Bulacan</page></location>
            <location><name>Manila</name><start>35</start><end>41</end><lat>14.6</lat><lon>120.98</lon>
                <page>https://en.wikipedia.org/wiki/Manila</page></location>
        </locations>
    </article>
    <article>
        <source>https://en.wikinews.org/wiki/Example_2</source>
        <text>No places here.</text>
        <locations/>
    </article>
</articles>
"""


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def place(lat: float, lon: float, pid: str = "p") -> Place:
    return Place(id=pid, name=pid, lat=lat, lon=lon, kind="city", country="IQ", source="gazetteer")


# --- reading -------------------------------------------------------------------


def test_lgl_spans_reanchored_and_toponym_without_gaztag(tmp_path):
    schema, articles = read_corpus(write(tmp_path, "lgl.xml", lgl_xml()))
    assert schema == "lgl"
    [a] = articles
    assert a.id == "42" and a.text == LGL_TEXT and a.published == "2017-10-06" and a.title == "Mosul news"
    assert [(t.start, t.end, t.phrase) for t in a.toponyms] == [(12, 17, "Mosul"), (33, 41, "Tal Afar"),
                                                                (46, 52, "Hawija")]
    assert all(a.text[t.start:t.end] == t.phrase for t in a.toponyms)
    assert [t.shift for t in a.toponyms] == [0, -3, 0]
    assert (a.toponyms[1].lat, a.toponyms[1].lon) == (36.37913, 42.44806)
    assert a.toponyms[2].lat is None and a.toponyms[2].lon is None and not a.toponyms[2].has_coords


def test_reanchoring_takes_the_nearest_copy(tmp_path):
    text = "Gaza, Gaza and Gaza."
    xml = f"""<articles><article docid="1"><text><![CDATA[{text}]]></text><toponyms>
        <toponym><phrase>Gaza</phrase><start>13</start><end>17</end></toponym></toponyms></article></articles>"""
    [a] = read_corpus(write(tmp_path, "near.xml", xml))[1]
    assert (a.toponyms[0].start, a.toponyms[0].end) == (15, 19)  # copies at 0, 6, 15: 15 is 2 away from 13


def test_geovirus_one_based_offsets(tmp_path):
    schema, articles = read_corpus(write(tmp_path, "gv.xml", geovirus_xml()))
    assert schema == "geovirus"
    assert [a.id for a in articles] == ["1", "2"]
    a = articles[0]
    assert a.text == "Cases rose in Pandi, Bulacan & in Manila."
    assert [(t.start, t.end) for t in a.toponyms] == [(14, 19), (21, 28), (34, 40)]
    assert [a.text[t.start:t.end] for t in a.toponyms] == ["Pandi", "Bulacan", "Manila"]
    assert all(t.shift == 0 and t.has_coords for t in a.toponyms)
    assert articles[1].toponyms == ()


def test_malformed_and_foreign_files_are_refused_with_their_name(tmp_path):
    bad = write(tmp_path, "broken.xml", "<articles><article><text>oops</articles>")
    with pytest.raises(InputError, match="broken.xml.*not well-formed XML"):
        read_corpus(bad)
    other = write(tmp_path, "other.xml", "<rss><channel/></rss>")
    with pytest.raises(InputError, match="other.xml.*not a gold corpus"):
        read_corpus(other)
    with pytest.raises(InputError, match="missing.xml.*no such file"):
        read_corpus(tmp_path / "missing.xml")
    number = lgl_xml().replace("<start>12</start>", "<start>twelve</start>")
    with pytest.raises(InputError, match="article 42, toponym 1: <start> expected a number"):
        read_corpus(write(tmp_path, "nan.xml", number))


# --- scoring -------------------------------------------------------------------


def gold_three() -> GoldArticle:
    text = "Mosul, Tal Afar and Hawija."
    return GoldArticle("a", text, (
        GoldToponym(0, 5, "Mosul", 36.335, 43.11889),
        GoldToponym(7, 15, "Tal Afar", 36.37913, 42.44806),
        GoldToponym(20, 26, "Hawija", 35.3264, 43.7750),
    ))


def test_score_by_hand():
    gold = gold_three()
    # 50 km due north of Mosul: one degree of latitude is 6371.0088 * pi / 180 km.
    off = place(36.335 + 50 / (6371.0088 * math.pi / 180), 43.11889)
    assert haversine_km((36.335, 43.11889), (off.lat, off.lon)) == pytest.approx(50.0)
    predicted = [
        Mention(0, 5, "Mosul", off),             # overlaps gold Mosul, 50 km off: a hit within 161 km
        Mention(16, 19, "and", place(0, 0)),     # overlaps nothing: a false positive
        Mention(7, 10, "Tal", None),             # not a place: not a prediction at all
    ]
    s = score([gold], [predicted])
    assert (s.articles, s.gold, s.gold_with_coords, s.predicted, s.true_positives) == (1, 3, 3, 2, 1)
    assert s.precision == 0.5
    assert s.recall == pytest.approx(1 / 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))  # 0.4
    assert s.f1 == pytest.approx(0.4)
    assert s.acc_161 == pytest.approx(1 / 3)
    assert (s.resolved, s.within_161) == (1, 1)
    assert s.mean_km == pytest.approx(50.0) and s.median_km == pytest.approx(50.0)


def test_score_each_gold_matched_once_far_errors_and_no_coords():
    gold = gold_three()
    gold = GoldArticle(gold.id, gold.text, gold.toponyms[:2] + (GoldToponym(20, 26, "Hawija", None, None),))
    far = place(36.37913 + 300 / (6371.0088 * math.pi / 180), 42.44806)  # 300 km north of Tal Afar
    predicted = [
        Mention(0, 5, "Mosul", place(36.335, 43.11889)),  # exact: 0 km
        Mention(0, 3, "Mos", place(36.335, 43.11889)),    # same gold span again: a false positive
        Mention(7, 15, "Tal Afar", far),                  # found but 300 km off
        Mention(20, 26, "Hawija", place(35.3, 43.8)),     # found; gold has no coordinates
    ]
    s = score([gold], [predicted])
    assert (s.gold, s.gold_with_coords, s.predicted, s.true_positives) == (3, 2, 4, 3)
    assert s.precision == 0.75 and s.recall == 1.0
    assert s.f1 == pytest.approx(2 * 0.75 / 1.75)
    assert (s.resolved, s.within_161) == (2, 1)
    assert s.acc_161 == 0.5  # 1 of the 2 gold toponyms with coordinates
    assert s.mean_km == pytest.approx(150.0) and s.median_km == pytest.approx(150.0)


def test_score_counts_a_non_place_use_by_what_it_names():
    # Gold corpora annotate "Mosul" in "Mosul said" too; geomap keeps it off the map but knows what it names.
    predicted = [
        Mention(0, 5, "Mosul", None, 0.0, "metonymy", place(36.335, 43.11889)),  # a hit, 0 km
        Mention(7, 15, "Tal Afar", None, 0.0, "part of a person's name"),       # names nothing: no prediction
    ]
    s = score([gold_three()], [predicted])
    assert (s.predicted, s.true_positives, s.within_161) == (1, 1, 1)
    assert s.precision == 1.0 and s.recall == pytest.approx(1 / 3)
    literal = score([gold_three()], [predicted], literal=True)  # place claims only: nothing predicted
    assert (literal.predicted, literal.true_positives) == (0, 0)


def test_score_nothing_predicted():
    s = score([gold_three()], [[Mention(0, 5, "Mosul", None)]])
    assert (s.predicted, s.true_positives, s.precision, s.recall, s.f1, s.acc_161) == (0, 0, 0.0, 0.0, 0.0, 0.0)
    assert s.mean_km is None and s.median_km is None
    with pytest.raises(ValueError):
        score([gold_three()], [])


# --- the command ----------------------------------------------------------------


def test_cli_eval_prints_table(tmp_path, runner):
    gaz = write(tmp_path, "gazetteer.yaml", GAZETTEER)
    corpus = write(tmp_path, "lgl.xml", lgl_xml())
    result = runner.invoke(main, ["eval", str(corpus), "--gazetteer", str(gaz)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["corpus", "articles", "gold", "P", "R", "F1", "Acc@161", "mean", "km", "median",
                                "km", "seconds", "art/s"]
    assert lines[1].split()[:3] == ["lgl.xml", "1", "3"]
    assert len(lines) == 2


def test_cli_eval_json_and_limit(tmp_path, runner):
    gaz = write(tmp_path, "gazetteer.yaml", GAZETTEER)
    lgl, gv = write(tmp_path, "lgl.xml", lgl_xml()), write(tmp_path, "gv.xml", geovirus_xml())
    result = runner.invoke(main, ["eval", str(lgl), str(gv), "--gazetteer", str(gaz), "--json", "--limit", "1"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["schema"], r["articles"], r["gold"]) for r in records] == [("lgl", 1, 3), ("geovirus", 1, 3)]
    assert records[0]["true_positives"] >= 1  # the gazetteer holds Mosul, stated at its gold span
    assert records[0]["mean_km"] is not None


def test_cli_eval_missing_file(tmp_path, runner):
    gaz = write(tmp_path, "gazetteer.yaml", GAZETTEER)
    result = runner.invoke(main, ["eval", str(tmp_path / "nowhere.xml"), "--gazetteer", str(gaz)])
    assert result.exit_code != 0
    assert "nowhere.xml" in result.output


def test_cli_eval_malformed_xml(tmp_path, runner):
    gaz = write(tmp_path, "gazetteer.yaml", GAZETTEER)
    bad = write(tmp_path, "broken.xml", "<articles><article>")
    result = runner.invoke(main, ["eval", str(bad), "--gazetteer", str(gaz)])
    assert result.exit_code == 1
    assert "broken.xml" in result.output and "not well-formed XML" in result.output


# --- the real gold corpora --------------------------------------------------------


@pytest.fixture(scope="module")
def eval_dir() -> Path:
    if not EVAL.is_dir():
        pytest.skip(f"gold corpora not found at {EVAL} (they live in ../shared beside the repo)")
    return EVAL


def test_real_tr_news(eval_dir):
    schema, articles = read_corpus(eval_dir / "TR-News" / "TR-News.xml")
    toponyms = [t for a in articles for t in a.toponyms]
    assert schema == "lgl"
    assert (len(articles), len(toponyms)) == (118, 1319)
    assert sum(t.has_coords for t in toponyms) == 1275
    assert sum(1 for t in toponyms if t.shift) == 115
    assert all(t.anchored for t in toponyms)
    assert all(a.text[t.start:t.end] == t.phrase for a in articles for t in a.toponyms)


def test_real_geovirus(eval_dir):
    schema, articles = read_corpus(eval_dir / "GeoVirus" / "GeoVirus.xml")
    toponyms = [t for a in articles for t in a.toponyms]
    assert schema == "geovirus"
    assert (len(articles), len(toponyms)) == (229, 2167)
    assert all(t.has_coords for t in toponyms)
    assert all(a.text[t.start:t.end] == t.phrase for a in articles for t in a.toponyms)
