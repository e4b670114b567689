"""Reading article files: front matter, inferred metadata, HTML, decoding, skipping, finding files."""

from __future__ import annotations

import codecs
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.dates import find_dates
from geomap.errors import ConfigError, InputError
from geomap.ingest import MAX_BYTES, SkippedFile, find_articles, read_article, slug
from geomap.model import Article


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


# --- front matter --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html"])
def test_front_matter_fields(tmp_path, suffix):
    body = "<article><p>Fighting in Mosul.</p></article>\n" if suffix == ".html" else "First line of body\n\nMosul.\n"
    path = write(tmp_path, f"story{suffix}", (
        "---\n"
        "title: \"Iraqi forces retake Hawija\"\n"
        "outlet: Tigris Wire\n"
        "author: Layla Aziz\n"
        "published: 2017-10-28\n"
        "url: https://example.org/hawija\n"
        "---\n" + body))
    a = read_article(path)
    assert (a.title, a.outlet, a.author, a.published, a.url) == (
        "Iraqi forces retake Hawija", "Tigris Wire", "Layla Aziz", "2017-10-28", "https://example.org/hawija")
    assert a.id == "story"
    assert a.path == str(path)
    assert "---" not in a.text and "Tigris Wire" not in a.text  # the front matter is not article text
    assert "Mosul" in a.text


@pytest.mark.parametrize("value, expected", [
    ("2017-10-28", "2017-10-28"),                 # a YAML date
    ("2017-10-28 09:30:00", "2017-10-28"),        # a YAML timestamp
    ("'2017-10-28'", "2017-10-28"),               # a quoted ISO string
    ("'October 28, 2017'", "2017-10-28"),
    ("28 October 2017", "2017-10-28"),
    ("Sat, 28 Oct 2017", "2017-10-28"),
])
def test_front_matter_published_forms(tmp_path, value, expected):
    path = write(tmp_path, "a.md", f"---\ntitle: T\npublished: {value}\n---\nBody text.\n")
    assert read_article(path).published == expected


def test_front_matter_overrides_inferred_metadata(tmp_path):
    path = write(tmp_path, "a.txt", "---\ntitle: Stated title\n---\nInferred title\n\nBy Jane Doe, Other Outlet\n")
    a = read_article(path)
    assert a.title == "Stated title"
    assert (a.author, a.outlet) == ("Jane Doe", "Other Outlet")  # what front matter leaves out is still inferred


def test_unknown_front_matter_key_is_ignored_with_a_warning(tmp_path, caplog):
    path = write(tmp_path, "a.md", "---\ntitle: T\ncolour: red\n---\nBody.\n")
    logger = logging.getLogger("geomap")
    logger.addHandler(caplog.handler)  # the CLI may have turned propagation off for the geomap logger
    try:
        with caplog.at_level(logging.WARNING, logger="geomap"):
            a = read_article(path)
    finally:
        logger.removeHandler(caplog.handler)
    assert a.title == "T"
    assert any("colour" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("front, line, fragment", [
    ("title: T\nauthor: x: y\n", 3, "not valid YAML"),        # mapping value where none is allowed
    ("title: T\n  bad: indent\n", 3, "not valid YAML"),
    ("title: T\nauthor: Jane\n\"url: x\n", 4, "a quote opened on this line is never closed"),
    ("- a list\n- not a mapping\n", 2, "expected a mapping"),
])
def test_front_matter_invalid_yaml_names_file_and_line(tmp_path, front, line, fragment):
    path = write(tmp_path, "bad.md", "---\n" + front + "---\nBody.\n")
    with pytest.raises(ConfigError) as info:
        read_article(path)
    err = info.value
    assert err.path == path
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}: front matter")
    assert fragment in str(err)


def test_front_matter_published_not_a_date(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: T\npublished: not-a-date\n---\nBody.\n")
    with pytest.raises(ConfigError) as info:
        read_article(path)
    assert str(info.value).startswith(str(path))
    assert "published" in info.value.message and "'not-a-date'" in info.value.message


def test_front_matter_published_not_a_date_has_line(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: T\npublished: not-a-date\n---\nBody.\n")
    with pytest.raises(ConfigError) as info:
        read_article(path)
    assert info.value.line == 3


@pytest.mark.parametrize("value", ["2017-02-30", "2017-13-01"])
def test_front_matter_impossible_date_is_a_config_error(tmp_path, value):
    path = write(tmp_path, "a.md", f"---\ntitle: T\npublished: {value}\n---\nBody.\n")
    with pytest.raises(ConfigError) as info:
        read_article(path)
    assert str(info.value) == f"{path}:3: published: expected a date such as 2017-10-28, got '{value}'"


def test_front_matter_field_of_wrong_type(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: {a: 1}\n---\nBody.\n")
    with pytest.raises(ConfigError, match=r"title: expected text, got a mapping") as info:
        read_article(path)
    assert str(info.value).startswith(str(path))


# --- metadata inferred from plain text -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    pytest.param("Iraqi troops enter Hawija\n\nBody text about Hawija.\n",
                 {"title": "Iraqi troops enter Hawija", "author": None, "outlet": None, "published": None},
                 id="first-line-title"),
    pytest.param("\n\n## Iraqi troops enter Hawija\n\nBody.\n",
                 {"title": "Iraqi troops enter Hawija"}, id="markdown-heading-after-blank-lines"),
    pytest.param("Sunday, October 29, 2017\n\nWhat if You Had Stayed?\n\nBody.\n",
                 {"title": "What if You Had Stayed?", "published": "2017-10-29"}, id="date-line-is-not-title"),
    pytest.param("Fri 07 Apr 2017\nStrikes on Shayrat\nBody.\n",
                 {"title": "Strikes on Shayrat", "published": "2017-04-07"}, id="short-weekday-date-line"),
    pytest.param("26 October 2017\nAnbar push begins\nBody.\n",
                 {"title": "Anbar push begins", "published": "2017-10-26"}, id="day-month-year-line"),
    pytest.param("Title of the Piece, by Jane Doe\n\nBody.\n",
                 {"title": "Title of the Piece", "author": "Jane Doe"}, id="title-by-author"),
    pytest.param("Some Title\n\nBy <u>Jane Doe</u> Some Outlet, October 28, 2017 Region: <u>Middle East</u>\n\nBody.\n",
                 {"title": "Some Title", "author": "Jane Doe", "outlet": "Some Outlet", "published": "2017-10-28"},
                 id="tagged-byline"),
    pytest.param("Some Title\n\nBy: Jane Doe, Some Outlet |\n\nBody.\n",
                 {"title": "Some Title", "author": "Jane Doe", "outlet": "Some Outlet", "published": None},
                 id="by-colon-byline"),
    pytest.param("Some Title\nBy Omar Saleh, Euphrates Daily — October 27, 2017\n\nBody.\n",
                 {"author": "Omar Saleh", "outlet": "Euphrates Daily", "published": "2017-10-27"}, id="byline-dash-date"),
    pytest.param("Some Title\n\nTranslated by Captain Ahab\n\nBy Elijah Magnier\n\nBody.\n",
                 {"author": "Elijah Magnier"}, id="translator-is-not-author"),
])
def test_metadata_inferred_from_plain_text(tmp_path, text, expected):
    a = read_article(write(tmp_path, "a.txt", text))
    assert {k: getattr(a, k) for k in expected} == expected
    assert a.text == text  # inference never edits the text


@pytest.mark.parametrize("text, value", [
    ("Fri 07 Apr 2017", "2017-04-07"),
    ("26 October 2017", "2017-10-26"),
    ("Sunday, October 29, 2017", "2017-10-29"),
    ("2017-10-28", "2017-10-28"),
])
def test_find_dates_whole_line_forms(text, value):
    found = find_dates(text)
    assert len(found) == 1
    assert (found[0].start, found[0].end, found[0].value.isoformat()) == (0, len(text), value)


def test_find_dates_offsets_inside_text():
    text = "On 26 October 2017 and again on Fri 07 Apr 2017, nothing on 31 February 2017."
    found = find_dates(text)
    assert [text[d.start:d.end] for d in found] == ["26 October 2017", "Fri 07 Apr 2017"]


def test_date_line_after_title_is_published(tmp_path):
    a = read_article(write(tmp_path, "a.txt", "Strikes on Shayrat\nFri 07 Apr 2017\n\nBody.\n"))
    assert (a.title, a.published) == ("Strikes on Shayrat", "2017-04-07")


# --- HTML ----------------------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>Page title | Levant Monitor</title>
<meta name="author" content="Nour Khalil">
<meta property="og:site_name" content="Levant Monitor">
<style>.x { content: "STYLE_TEXT"; }</style>
<script>var tags = ["SCRIPT_TEXT"];</script>
</head><body>
<header>HEADER_TEXT</header>
<nav><ul><li>NAV_TEXT</li></ul></nav>
<div class="sidebar">SIDEBAR_TEXT</div>
<article>
  <h1>Iraqi officers dispute surrender figures</h1>
  <p class="byline">By Nour Khalil &middot; <time datetime="2017-10-08">8 October 2017</time></p>
  <p>Fighting continued near Hawija &amp; Kirkuk.</p>
  <iframe src="x">IFRAME_TEXT</iframe>
  <p>Second paragraph.</p>
  <script>SCRIPT_IN_BODY</script>
</article>
<div class="related">RELATED_TEXT</div>
<footer>FOOTER_TEXT</footer>
</body></html>
"""


def test_html_visible_article_text_and_metadata(tmp_path):
    a = read_article(write(tmp_path, "page.html", PAGE))
    for hidden in ("STYLE_TEXT", "SCRIPT_TEXT", "HEADER_TEXT", "NAV_TEXT", "IFRAME_TEXT", "SCRIPT_IN_BODY",
                   "FOOTER_TEXT", "SIDEBAR_TEXT", "RELATED_TEXT", "<p", "&amp;"):
        assert hidden not in a.text
    assert "Fighting continued near Hawija & Kirkuk." in a.text
    assert a.text.index("Fighting continued") < a.text.index("Second paragraph.")
    assert a.title == "Iraqi officers dispute surrender figures"  # <h1> before <title>
    assert a.author == "Nour Khalil"
    assert a.outlet == "Levant Monitor"
    assert a.published == "2017-10-08"


def test_html_title_from_title_tag_without_h1(tmp_path):
    a = read_article(write(tmp_path, "page.htm", "<html><head><title>Only   the title</title></head>"
                                                 "<body><p>Some text.</p></body></html>"))
    assert a.title == "Only the title"
    assert a.text == "Some text.\n"


def test_html_without_article_uses_body_and_drops_chrome(tmp_path):
    a = read_article(write(tmp_path, "p.html", "<html><body><nav>NAV</nav><p>Body <b>bold</b> text.</p>"
                                               "<footer>FOOT</footer></body></html>"))
    assert a.text == "Body bold text.\n"


def test_html_with_only_chrome_is_skipped(tmp_path):
    path = write(tmp_path, "p.html", "<html><head><script>x()</script></head><body><nav>Home</nav></body></html>")
    with pytest.raises(SkippedFile) as info:
        read_article(path)
    assert str(path) in str(info.value)


def test_html_time_in_header_is_not_the_published_date(tmp_path):
    page = ('<html><body><header><time datetime="2024-01-01">Today</time></header><article><h1>T</h1>'
            '<p><time datetime="2017-10-08">8 October 2017</time> Fighting.</p></article></body></html>')
    assert read_article(write(tmp_path, "p.html", page)).published == "2017-10-08"


@pytest.mark.parametrize("head, body", [
    ("", '<time datetime="2017-10-08T10:00:00Z">8 October</time>'),
    ('<meta property="article:published_time" content="2017-10-08T10:00:00+00:00">', ""),
])
def test_html_iso_datetime_published(tmp_path, head, body):
    page = f"<html><head>{head}</head><body><article><h1>T</h1><p>{body} Fighting.</p></article></body></html>"
    assert read_article(write(tmp_path, "p.html", page)).published == "2017-10-08"


# --- decoding ------------------------------------------------------------------------------------------------------

TEXT = "Title Here\n\nFighting in Mosul – “quoted” café, Iraq’s north.\n"


@pytest.mark.parametrize("data", [
    pytest.param(TEXT.encode("utf-8"), id="utf-8"),
    pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), id="utf-8-bom"),
    pytest.param(TEXT.encode("utf-16"), id="utf-16-bom-native"),
    pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), id="utf-16-le-bom"),
    pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16-be-bom"),
    pytest.param(TEXT.encode("utf-16-le"), id="utf-16-le-without-bom"),
    pytest.param(TEXT.encode("utf-16-be"), id="utf-16-be-without-bom"),
])
def test_decoding(tmp_path, data):
    a = read_article(write(tmp_path, "a.txt", data))
    assert a.text == TEXT  # no BOM left, nothing replaced
    assert a.title == "Title Here"


def test_front_matter_after_bom(tmp_path):
    a = read_article(write(tmp_path, "a.md", codecs.BOM_UTF8 + b"---\ntitle: X\n---\nBody.\n"))
    assert (a.title, a.text) == ("X", "Body.\n")


def test_cp1252_curly_quotes(tmp_path):
    a = read_article(write(tmp_path, "a.txt", b"Title\n\nHe said \x93hello\x94 and it\x92s done \x96 really.\n"))
    assert a.text == "Title\n\nHe said \u201chello\u201d and it\u2019s done \u2013 really.\n"


def test_mixed_line_endings_kept_so_offsets_index_the_text(tmp_path):
    data = b"Title\r\nline two\rline three in Mosul\nline four\r\n"
    a = read_article(write(tmp_path, "a.txt", data))
    assert a.text == data.decode("ascii")
    start = data.index(b"Mosul")
    assert a.text[start:start + 5] == "Mosul"
    assert a.title == "Title"


@pytest.mark.parametrize("name, data, fragment", [
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)), "binary"),
    ("controls.txt", bytes(range(1, 9)) * 50, "binary"),
    ("empty.txt", b"", "empty"),
    ("blank.md", b"  \r\n\n\t \n", "empty"),
    ("only-front-matter.md", b"---\ntitle: T\n---\n", "no article text"),
])
def test_unusable_files_are_skipped_with_their_path(tmp_path, name, data, fragment):
    path = write(tmp_path, name, data)
    with pytest.raises(SkippedFile) as info:
        read_article(path)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)
    assert isinstance(info.value, InputError)


def test_missing_file_is_skipped(tmp_path):
    path = tmp_path / "gone.txt"
    with pytest.raises(SkippedFile, match="no longer exists") as info:
        read_article(path)
    assert str(path) in str(info.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=400).map(lambda b: b"---\n" + b + b"\n---\nBody text.\n"),
    st.text(max_size=400).map(lambda s: s.encode("utf-8")),
))
def test_any_bytes_give_an_article_or_a_clean_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "random.txt"
    path.write_bytes(data)
    try:
        a = read_article(path)
    except (SkippedFile, ConfigError) as err:
        assert str(path) in str(err)
    else:
        assert isinstance(a, Article)
        assert isinstance(a.text, str) and a.text.strip()
        assert a.id == "random"


# --- ids and finding files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("2017-10-08 Hawija Levant", "2017-10-08-hawija-levant"),
    ("000_45ba41644a78524a", "000-45ba41644a78524a"),
    ("  Mosul -- Liberated!! ", "mosul-liberated"),
    ("Café Noir", "caf-noir"),
    ("ÄÖÜ", "article"),
    ("", "article"),
])
def test_slug(name, expected):
    assert slug(name) == expected
    assert slug(name) == slug(name)


@given(st.text(max_size=60))
def test_slug_is_stable_and_url_safe(name):
    s = slug(name)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", s)
    assert slug(s) == s


def test_find_articles_missing_path(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(InputError, match="no such file or folder") as info:
        find_articles([missing])
    assert str(missing) in str(info.value)


def test_find_articles_empty_folder(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="no articles found") as info:
        find_articles([tmp_path])
    assert str(tmp_path) in str(info.value)


def test_find_articles_sorted_recursive_and_filtered(tmp_path):
    for name in ("b.txt", "a.md", "sub/c.html", "sub/a.HTM", "z.markdown", "notes.pdf", "image.png", "sub/d.docx"):
        write(tmp_path, name, "x")
    (tmp_path / "folder.txt").mkdir()  # a folder with an article suffix is not a file
    found = find_articles([tmp_path])
    expected = sorted(tmp_path / n for n in ("b.txt", "a.md", "sub/c.html", "sub/a.HTM", "z.markdown"))
    assert found == expected


def test_find_articles_keeps_argument_order(tmp_path):
    one, two = write(tmp_path, "x/one.txt", "x"), write(tmp_path, "y/two.txt", "x")
    lone = write(tmp_path, "lone.weird", "x")  # a file named explicitly is read whatever its suffix
    assert find_articles([tmp_path / "y", lone, tmp_path / "x"]) == [two, lone, one]


# --- the shared seed corpus ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, field, expected", [
    ("000_45ba41644a78524a.txt", "author", "Sophie Mangal"),
    ("000_45ba41644a78524a.txt", "outlet", "Global Research"),
    ("000_45ba41644a78524a.txt", "published", "2017-10-28"),
    ("000_45ba41644a78524a.txt", "title", "ISIS Jihadists Surrendering in Iraq and Syria"),
    ("001_c0c47bbaa33e1972.txt", "published", "2017-10-29"),
    ("001_c0c47bbaa33e1972.txt", "author", "Sophie Mangal"),
    ("003_85f698ce3d855225.txt", "author", "Anna Jaunger"),
    ("003_85f698ce3d855225.txt", "outlet", "Inside Syria Media Center"),
])
def test_seed_metadata(seeds, name, field, expected):
    assert getattr(read_article(seeds / name), field) == expected


def test_seed_001_title(seeds):
    a = read_article(seeds / "001_c0c47bbaa33e1972.txt")
    assert a.title.startswith("What if You")
    assert "2017" not in a.title  # the date line above it is not the title


def test_every_seed_reads(seeds):
    for path in find_articles([seeds]):
        a = read_article(path)
        assert a.text.strip() and a.id == slug(path.stem)


def test_an_article_named_index_does_not_take_the_list_page():
    assert slug("index") == "index-article"
    assert slug("Index") == "index-article"


def test_the_same_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path, "a.txt", "Title\n\nBody.\n")
    assert find_articles([tmp_path, path]) == [path]


def test_an_unreadable_date_in_page_markup_is_ignored(tmp_path, caplog):
    page = '<html><head><meta name="date" content="20171008"></head><body><article><h1>T</h1><p>Body.</p></article>'
    a = read_article(write(tmp_path, "scraped.html", page + "</body></html>"))
    assert a.published is None and a.title == "T"
    assert "20171008" in caplog.text


# --- faults: each bad input gets a message naming the file and what to do -------------------------------------------

REAL_PNG = Path(__file__).resolve().parent.parent / "docs" / "map.png"  # a real image, renamed .txt below


def test_a_real_png_renamed_txt_is_skipped_as_binary(tmp_path):
    path = write(tmp_path, "photo.txt", REAL_PNG.read_bytes())
    with pytest.raises(SkippedFile) as info:
        read_article(path)
    assert str(info.value) == (f"{path}: looks like a binary file (NUL bytes), not an article; "
                               "remove it or convert it to text")


HOSTILE_HTML = [
    pytest.param('<p onclick="HANDLER()" onmouseover=\'HANDLER()\'>Fighting in Mosul.</p>', id="inline-handlers"),
    pytest.param('<p>Fighting in Mosul.</p><script>SCRIPT()</script><style>p{STYLE:1}</style>', id="script-style"),
    pytest.param('<p>Fighting in Mosul.</p><iframe src="javascript:HANDLER()">IFRAME</iframe>', id="iframe"),
    pytest.param('<p>Fighting in Mosul.</p><script>document.write("</p>SCRIPT");</script>', id="script-closing-tag-text"),
    pytest.param('<p>Fighting in <b>Mosul.</p></b><div><span>', id="unclosed-and-misnested"),
    pytest.param('<p>Fighting in Mosul.</p><script>SCRIPT() /* never closed', id="unclosed-script"),
    pytest.param('<p>Fighting in Mosul.</p><!-- COMMENT <script>SCRIPT()</script> -->', id="comment"),
    pytest.param('<p>Fighting in Mosul.</p><img src=x onerror=HANDLER()><svg onload=HANDLER()>SVG</svg>',
                 id="img-svg-handlers"),
    pytest.param('<p>Fighting in Mosul.</p><a href="javascript:HANDLER()" <p broken attr="x>', id="broken-tag"),
    pytest.param('<p>Fighting in Mosul.</p><![CDATA[ IFRAME ]]><!DOCTYPE junk><?php HANDLER() ?>', id="odd-markup"),
]


@pytest.mark.parametrize("body", HOSTILE_HTML)
def test_hostile_and_broken_html_gives_only_visible_text(tmp_path, body):
    a = read_article(write(tmp_path, "page.html", f"<html><head><title>T</title></head><body>{body}</body></html>"))
    assert "Fighting in" in a.text and "Mosul." in a.text
    for code in ("HANDLER", "SCRIPT", "STYLE", "IFRAME", "SVG", "COMMENT", "<script", "onclick", "onerror"):
        assert code not in a.text


def test_a_50_mb_article_is_refused_before_it_is_read(tmp_path):
    """Peak memory is measured in a fresh process: refusing a 50 MB file must not load it."""
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.write(b"Fighting in Mosul. " * 1000)
        fh.truncate(50 * 2**20)  # the rest is a sparse hole of NUL bytes: 50 MB that cost no disk
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from geomap.ingest import SkippedFile, read_article\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    read_article(Path(sys.argv[1]))\n"
        "except SkippedFile as err:\n"
        "    print(err)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(big)], capture_output=True, text=True, check=True)
    message, grown_kib = done.stdout.splitlines()
    assert message == f"{big}: 50.0 MB is over the 20 MB article limit; split it into articles or remove it"
    assert int(grown_kib) < 5 * 1024  # the peak grew by less than 5 MB: the 50 MB were never read


def test_a_file_that_grows_after_its_size_was_checked_is_not_read_whole(tmp_path, monkeypatch):
    path = write(tmp_path, "growing.txt", b"Fighting in Mosul.\n")
    with path.open("ab") as fh:
        fh.truncate(MAX_BYTES + 10)
    real_stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **kw: os.stat_result((0,) * 6 + (19,) + (0,) * 3)
                        if self == path else real_stat(self, **kw))
    with pytest.raises(SkippedFile, match="over the 20 MB article limit") as info:
        read_article(path)
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize("make, fragment", [
    (lambda d: (d / "self.txt").symlink_to("self.txt"), "symbolic link loop (it points back to itself); fix or remove"),
    (lambda d: ((d / "ping.txt").symlink_to("pong.txt"), (d / "pong.txt").symlink_to("ping.txt")),
     "symbolic link loop"),
    (lambda d: (d / "dangling.txt").symlink_to("nowhere.txt"), "no longer exists (moved or deleted while geomap was "
                                                                "running, or a broken symbolic link); run the build again"),
])
def test_symbolic_link_loops_and_broken_links_are_found_and_skipped_with_a_reason(tmp_path, make, fragment):
    write(tmp_path, "good.txt", "Title\n\nFighting in Mosul.\n")
    make(tmp_path)
    found = find_articles([tmp_path])
    assert tmp_path / "good.txt" in found and len(found) >= 2  # the bad link is listed, so that it is reported
    for path in found:
        if path.name == "good.txt":
            continue
        with pytest.raises(SkippedFile) as info:
            read_article(path)
        assert str(info.value).startswith(f"{path}: {fragment}")


def test_a_folder_link_loop_is_not_followed(tmp_path):
    write(tmp_path, "sub/a.txt", "Title\n\nFighting in Mosul.\n")
    (tmp_path / "sub" / "back").symlink_to("..", target_is_directory=True)
    (tmp_path / "sub" / "again.txt").symlink_to(tmp_path / "sub", target_is_directory=True)
    assert find_articles([tmp_path]) == [tmp_path / "sub" / "a.txt"]


def test_front_matter_yaml_bomb_is_refused_without_expanding(tmp_path):
    levels = "".join(f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}]\n"
                     for n in range(1, 10))
    path = write(tmp_path, "bomb.md", "---\nl0: &l0 lol\n" + levels + "title: *l9\n---\nBody.\n")
    with pytest.raises(ConfigError) as info:
        read_article(path)
    assert str(info.value) == (f"{path}:3: front matter is not valid YAML: YAML aliases (*name) are not allowed here; "
                               "write the value out")
