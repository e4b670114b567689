"""The optional online geocoder against a real HTTP server on 127.0.0.1 that speaks Nominatim's /search JSON.

Time is virtual (the rate limiter's sleep and clock are replaced), so retries and the 1 request/s policy are
checked without waiting; only client timeouts cost real (short) time.
"""

from __future__ import annotations

import csv
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from geopy.exc import GeocoderRateLimited, GeocoderServiceError, GeocoderTimedOut

from geomap.cli import main
from geomap.geocoders import nominatim
from geomap.geocoders.nominatim import ATTRIBUTION, BackoffRateLimiter, place_from_raw
from geomap.pipeline import Resources
from tests.conftest import GAZETTEER

TIMEOUT = 0.3  # the client's; a "timeout" answer comes later than this

# Villages no offline source knows (the build leaves them unresolved without --online).
VILLAGES = {
    "Qubbat Zuhaylan": (35.9871, 39.2214), "Tell Jabbarin": (36.0112, 39.1010),
    "Khirbet Sawwanat": (35.9303, 39.3121), "Zarqat Hamdun": (36.0507, 39.0444),
    "Mazraat Ubaydan": (35.8821, 39.1833), "Ayn Qutayfan": (35.9622, 38.9877),
}
ARTICLE = """Fighting near Raqqa

Clashes were reported on Monday in the village of Qubbat Zuhaylan, east of Raqqa in Syria. Residents fled to the \
village of Tell Jabbarin.

Later, an air strike hit the village of Khirbet Sawwanat, and militants attacked the town of Zarqat Hamdun, \
officials said.

Two people were killed in the village of Mazraat Ubaydan, and shelling was reported in the village of Ayn Qutayfan.
"""


def result(name: str, n: int) -> dict:
    """One jsonv2 /search result with addressdetails and namedetails, as Nominatim sends it."""
    lat, lon = VILLAGES[name]
    return {
        "place_id": 1000 + n, "licence": ATTRIBUTION, "osm_type": "node", "osm_id": 5000 + n,
        "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "category": "place", "type": "village", "place_rank": 19,
        "importance": 0.21, "addresstype": "village", "name": name,
        "display_name": f"{name}, Raqqa Subdistrict, Raqqa Governorate, Syria",
        "address": {"village": name, "state": "Raqqa Governorate", "country": "Syria", "country_code": "sy"},
        "namedetails": {"name": name, "name:en": name},
        "boundingbox": [f"{lat - 0.01:.7f}", f"{lat + 0.01:.7f}", f"{lon - 0.01:.7f}", f"{lon + 0.01:.7f}"],
    }


class FakeNominatim:
    """What the server knows, how it misbehaves (``behave(q) -> outcome``), and a log of every request."""

    def __init__(self, clock) -> None:
        self.known = {name: [result(name, n)] for n, name in enumerate(VILLAGES)}
        self.behave = lambda q: "ok"
        self.log: list[tuple[str, str, float]] = []  # (q, outcome, virtual time)
        self.params: list[dict] = []
        self.agents: list[str] = []
        self.clock = clock
        self.lock = threading.Lock()

    def outcomes(self, outcome: str) -> set[str]:
        return {q for q, o, _ in self.log if o == outcome}


def _handler(state: FakeNominatim):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def send(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            q = params.get("q", "")
            with state.lock:
                outcome = state.behave(q)
                state.log.append((q, outcome, state.clock.now))
                state.params.append(params)
                state.agents.append(self.headers.get("User-Agent", ""))
            try:
                if url.path != "/search":
                    self.send(404, b'{"error": "not found"}')
                elif outcome == "ok":
                    self.send(200, json.dumps(state.known.get(q, [])).encode())
                elif outcome == "429":
                    self.send(429, b'{"error": "Too Many Requests"}', {"Retry-After": "7"})
                elif outcome == "429-long":
                    self.send(429, b'{"error": "Too Many Requests"}', {"Retry-After": "3600"})
                elif outcome == "403":
                    self.send(403, b"<html>Access blocked: see the usage policy</html>")
                elif outcome in ("500", "503"):
                    self.send(int(outcome), b"<html>Internal error</html>")
                elif outcome == "malformed":
                    self.send(200, b'[{"place_id": 1, "lat": "35.9"')
                elif outcome == "timeout":
                    time.sleep(TIMEOUT * 3)
                    self.send(200, b"[]")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first, as it should on a timeout

    return Handler


class FakeTime:
    """The rate limiter's clock and sleep: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    t = FakeTime()
    monkeypatch.setattr(nominatim, "_sleep", t.sleep)
    monkeypatch.setattr(nominatim, "_clock", t.clock)
    return t


@pytest.fixture
def server(fake_time):
    state = FakeNominatim(fake_time)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _loaded_once(resources, monkeypatch):
    """Each build here runs the real CLI, but reads the gazetteer and GeoNames once per session, not per build."""
    real = Resources.load

    def load(gazetteer_path, offline_fallback=True):
        return resources if Path(gazetteer_path) == GAZETTEER and offline_fallback else real(gazetteer_path)

    monkeypatch.setattr(Resources, "load", load)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "raqqa-villages.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def run_build(runner, tmp_path: Path, articles: Path, url: str | None, *extra: str, out: str = "site"):
    args = ["build", str(articles), "--out", str(tmp_path / out), "--gazetteer", str(GAZETTEER)]
    if url is not None:
        args += ["--online", "--online-url", url, "--online-cache", str(tmp_path / "cache.sqlite"),
                 "--online-timeout", str(TIMEOUT), *extra]
    return runner.invoke(main, args)


def mentions(site: Path) -> list[dict]:
    return [m for line in (site / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
            for m in json.loads(line)["mentions"]]


def assert_site_complete(site: Path) -> None:
    for rel in ("index.html", "articles/index.html", "articles/raqqa-villages.html", "data/articles.jsonl",
                "data/claims.geojson", "data/claims.csv"):
        assert (site / rel).is_file(), rel


def placed_online(site: Path) -> dict[str, dict]:
    return {m["text"]: m for m in mentions(site) if m["source"] == "online"}


def unresolved(site: Path) -> set[str]:
    """Names the build could not place: data/unresolved.csv must list the same as articles.jsonl."""
    names = {m["text"] for m in mentions(site) if m["place"] is None and m["note"] == "unresolved"}
    with (site / "data" / "unresolved.csv").open(encoding="utf-8") as fh:
        listed = {row["text"] for row in csv.DictReader(fh) if row["note"] == "unresolved"}
    assert listed == names
    return names


def warned(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if "not resolved online" in ln]
    assert len(lines) <= 1, "the online step warns once"
    return lines[0] if lines else ""


# --- end to end through `geomap build --online` ------------------------------------------------------------


def test_offline_build_does_not_know_the_villages(runner, tmp_path, articles, server):
    r = run_build(runner, tmp_path, articles, None)
    assert r.exit_code == 0, r.output
    assert unresolved(tmp_path / "site") == set(VILLAGES)
    assert server.log == []


def test_online_build_places_a_village_no_offline_source_knows(runner, tmp_path, articles, server, fake_time):
    r = run_build(runner, tmp_path, articles, server.url)
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    assert_site_complete(site)
    online = placed_online(site)
    assert set(online) == set(VILLAGES)
    m = online["Tell Jabbarin"]
    assert (m["lat"], m["lon"]) == VILLAGES["Tell Jabbarin"]
    assert (m["kind"], m["precision"], m["country"], m["place"]) == ("village", 1, "SY", "osm-n5001")
    assert m["region"] == "Ar Raqqah"  # filled in by point-in-polygon like every other source
    assert unresolved(site) == set()
    assert warned(r.stderr) == ""
    claimed = {p for line in (site / "data" / "articles.jsonl").read_text().splitlines()
               for c in json.loads(line)["claims"] for p in c["places"]}
    assert "osm-n5004" in claimed  # "killed in the village of Mazraat Ubaydan" is a claim at the online place
    # Each name asked once, as Nominatim's policy wants: jsonv2 with address details, our own User-Agent,
    # at least a second apart.
    assert sorted(q for q, _, _ in server.log) == sorted(VILLAGES)
    assert all(p["format"] == "jsonv2" and p["addressdetails"] == "1" and p["namedetails"] == "1"
               for p in server.params)
    assert all(a.startswith("geomap/") for a in server.agents)
    times = [t for _, _, t in server.log]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))


def test_second_build_sends_no_request_and_is_identical(runner, tmp_path, articles, server):
    server.known.pop("Ayn Qutayfan")  # a negative answer, cached like the others
    assert run_build(runner, tmp_path, articles, server.url, out="one").exit_code == 0
    assert len(server.log) == len(VILLAGES)
    r = run_build(runner, tmp_path, articles, server.url, "--online-limit", "0", out="two")  # cached answers count not
    assert r.exit_code == 0, r.output
    assert len(server.log) == len(VILLAGES), "the second build asked the server again"
    one, two = (tmp_path / d / "data" / "articles.jsonl" for d in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()
    assert unresolved(tmp_path / "two") == {"Ayn Qutayfan"}
    assert warned(r.stderr) == ""  # "not known there" is an answer, not a failure


def test_extract_takes_the_same_options(runner, tmp_path, articles, server):
    r = runner.invoke(main, ["extract", "--json", str(articles), "--gazetteer", str(GAZETTEER), "--online",
                             "--online-url", server.url, "--online-cache", str(tmp_path / "c.sqlite")])
    assert r.exit_code == 0, r.output
    record = json.loads(r.stdout)
    assert {m["text"] for m in record["mentions"] if m["source"] == "online"} == set(VILLAGES)


FAULTS = [  # outcome, what the warning says, requests for the failing name (1 + retries, unless not worth it)
    ("timeout", "timed out", 3),
    ("429", "rate limited (HTTP 429, asked to wait 7s)", 3),
    ("500", "service error", 3),
    ("503", "timed out", 3),  # geopy maps 503 to GeocoderTimedOut
    ("malformed", "malformed answer", 3),
    ("429-long", "rate limited (HTTP 429, asked to wait 3600s)", 1),  # not waited for: fails at once
]


@pytest.mark.parametrize(("fault", "said", "tries"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_failing_name_is_retried_then_reported(runner, tmp_path, articles, server, fake_time, fault, said, tries):
    server.behave = lambda q: fault if q == "Tell Jabbarin" else "ok"
    r = run_build(runner, tmp_path, articles, server.url)
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    assert_site_complete(site)
    assert set(placed_online(site)) == set(VILLAGES) - {"Tell Jabbarin"}
    assert unresolved(site) == {"Tell Jabbarin"}
    warning = warned(r.stderr)
    assert f"1 name(s) not resolved online, left as the offline sources had them: Tell Jabbarin ({said}" in warning
    assert "Build again later" in warning and "gazetteer suggest" in warning
    assert [q for q, _, _ in server.log].count("Tell Jabbarin") == tries
    if fault == "429":
        assert 7.0 in fake_time.sleeps  # Retry-After honoured
    assert max(fake_time.sleeps) <= nominatim.MAX_WAIT
    # Failures are not cached: the next build asks again, and gets the answer.
    server.behave = lambda q: "ok"
    r = run_build(runner, tmp_path, articles, server.url, out="again")
    assert r.exit_code == 0 and warned(r.stderr) == ""
    assert [q for q, _, _ in server.log[-1:]] == ["Tell Jabbarin"]
    assert unresolved(tmp_path / "again") == set()


def test_a_transient_fault_is_retried_with_backoff(runner, tmp_path, articles, server, fake_time):
    seen: dict[str, int] = {}

    def behave(q: str) -> str:
        seen[q] = seen.get(q, 0) + 1
        return "503" if seen[q] <= 2 else "ok"

    server.behave = behave
    r = run_build(runner, tmp_path, articles, server.url)
    assert r.exit_code == 0 and warned(r.stderr) == ""
    assert set(placed_online(tmp_path / "site")) == set(VILLAGES)
    assert fake_time.sleeps.count(nominatim.BACKOFF) == len(VILLAGES)  # first retry after BACKOFF s
    assert fake_time.sleeps.count(2 * nominatim.BACKOFF) == len(VILLAGES)  # the second waits twice as long


@pytest.mark.parametrize("where", ["refused", "dns"])
def test_an_unreachable_service_stops_the_online_step_not_the_build(runner, tmp_path, articles, fake_time, where,
                                                                   monkeypatch):
    if where == "refused":
        with socket.socket() as s:  # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}"
    else:
        url = "http://geomap-test.invalid"  # RFC 6761: never resolves; the resolver is made to say so at once
        resolve = socket.getaddrinfo

        def no_such_host(host, *args, **kwargs):
            if host == "geomap-test.invalid":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return resolve(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    r = run_build(runner, tmp_path, articles, url)
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    assert_site_complete(site)
    assert unresolved(site) == set(VILLAGES)
    warning = warned(r.stderr)
    assert "6 name(s) not resolved online" in warning
    # The first name is retried; once it fails, the rest are not asked at all.
    assert warning.count("(unavailable: cannot reach the server (") == 1
    assert ("Connection refused" if where == "refused" else "Name or service not known") in warning
    assert warning.count("(not asked: the server cannot be reached)") == 5
    assert fake_time.sleeps.count(nominatim.BACKOFF) == 1 and fake_time.sleeps.count(2 * nominatim.BACKOFF) == 1
    assert all(name in warning for name in VILLAGES)


def test_a_refusing_server_is_not_asked_again(runner, tmp_path, articles, server):
    server.behave = lambda q: "403"
    r = run_build(runner, tmp_path, articles, server.url)
    assert r.exit_code == 0, r.output
    assert len(server.log) == 1  # a 403 is not retried, and nothing more is sent
    warning = warned(r.stderr)
    assert "6 name(s) not resolved online" in warning
    assert warning.count("(not asked: the server refused geomap (HTTP 403 forbidden))") == 5


def test_online_limit_caps_the_names_sent(runner, tmp_path, articles, server):
    r = run_build(runner, tmp_path, articles, server.url, "--online-limit", "2")
    assert r.exit_code == 0
    assert len(server.log) == 2
    assert len(placed_online(tmp_path / "site")) == 2
    assert warned(r.stderr).count("(not asked: over --online-limit 2)") == 4


@pytest.mark.parametrize("bad", ["ftp://example.org", "nominatim.openstreetmap.org", "http://"])
def test_online_url_must_be_http(runner, tmp_path, articles, bad):
    r = run_build(runner, tmp_path, articles, bad)
    assert r.exit_code == 2
    assert "--online-url" in r.output and "expected an http(s) URL" in r.output


def test_default_build_never_goes_online(runner, tmp_path, articles, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the default build asked the online geocoder")

    monkeypatch.setattr(nominatim.CachedNominatim, "__init__", refuse)
    r = run_build(runner, tmp_path, articles, None)
    assert r.exit_code == 0, r.output
    assert "online" not in r.stderr


# --- issue 6: a server that fails at random -------------------------------------------------------------


def test_random_faults_leave_a_complete_site_and_the_right_unresolved_list(runner, tmp_path, articles, server):
    rng = random.Random(11)  # a seed that draws every fault and leaves names on both sides
    server.behave = lambda q: rng.choices(["ok", "429", "500", "timeout"], weights=[4, 2, 2, 1])[0]
    r = run_build(runner, tmp_path, articles, server.url)
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    assert_site_complete(site)
    answered = server.outcomes("ok")
    assert {"429", "500", "timeout"} <= {o for _, o, _ in server.log}, "the seed must exercise every fault"
    assert answered and set(VILLAGES) - answered, "the seed must leave some names resolved and some not"
    assert set(placed_online(site)) == answered
    assert unresolved(site) == set(VILLAGES) - answered
    warning = warned(r.stderr)
    assert f"{len(set(VILLAGES) - answered)} name(s) not resolved online" in warning
    assert {name for name in VILLAGES if name in warning} == set(VILLAGES) - answered


# --- the pieces ----------------------------------------------------------------------------------------------


def test_rate_limiter_backoff_and_retry_after():
    t = FakeTime()
    limiter = BackoffRateLimiter(lambda: None, sleep=t.sleep, clock=t.clock)
    assert limiter.wait_after(GeocoderTimedOut("x"), 0) == nominatim.BACKOFF
    assert limiter.wait_after(GeocoderTimedOut("x"), 1) == 2 * nominatim.BACKOFF
    assert limiter.wait_after(GeocoderTimedOut("x"), nominatim.MAX_RETRIES) is None  # retries spent
    assert limiter.wait_after(GeocoderRateLimited("x", retry_after=30), 0) == 30
    assert limiter.wait_after(GeocoderRateLimited("x", retry_after=3600), 0) is None
    from geopy.exc import GeocoderInsufficientPrivileges, GeocoderQueryError
    assert limiter.wait_after(GeocoderQueryError("bad query"), 0) is None
    assert limiter.wait_after(GeocoderInsufficientPrivileges("blocked"), 0) is None
    assert limiter.wait_after(GeocoderServiceError("HTTP 500"), 0) == nominatim.BACKOFF


def raw(**over) -> dict:
    base = result("Tell Jabbarin", 1)
    base.update(over)
    return base


@pytest.mark.parametrize(("over", "kind"), [
    ({}, "village"),
    ({"category": None, "class": "place", "addresstype": None, "type": "town"}, "town"),  # format=json
    ({"addresstype": "city", "type": "city"}, "city"),
    ({"category": "boundary", "type": "administrative", "addresstype": "state"}, "region"),
    ({"category": "boundary", "type": "administrative", "addresstype": None}, "district"),
    ({"category": "waterway", "type": "river", "addresstype": "river"}, "river"),
    ({"category": "landuse", "type": "military", "addresstype": "military"}, "base"),
    ({"category": "place", "type": "suburb", "addresstype": "suburb"}, "neighbourhood"),
    ({"category": "amenity", "type": "restaurant", "addresstype": "amenity"}, None),
    ({"category": "highway", "type": "residential", "addresstype": "road"}, None),
])
def test_place_kind_from_nominatim_class_and_type(over, kind):
    place = place_from_raw(raw(**over), "Tell Jabbarin")
    assert (place.kind if place else None) == kind


def test_place_must_answer_to_the_name_asked():
    assert place_from_raw(raw(), "Tel Jabbarin") is None
    assert place_from_raw(raw(), "tell-jabbarin").name == "Tell Jabbarin"  # folded like every name
    aliased = raw(namedetails={"name": "تل جبارين", "alt_name": "Tall Jubbarin;Tell Jabbarin"}, name="تل جبارين")
    assert place_from_raw(aliased, "Tall Jubbarin").country == "SY"


@pytest.mark.parametrize("over", [{"lat": "123.0"}, {"lat": "north"}, {"osm_id": None}, {"lon": None}])
def test_malformed_results_are_skipped(over):
    assert place_from_raw(raw(**over), "Tell Jabbarin") is None


def test_cli_defaults_match_the_library():
    from geomap.online import DEFAULT_LIMIT
    build = main.commands["build"]
    defaults = {p.name: p.default for p in build.params}
    assert defaults["online_url"] == nominatim.DEFAULT_URL
    assert defaults["online_limit"] == DEFAULT_LIMIT


# --- geomap gazetteer suggest ----------------------------------------------------------------------------------


def test_suggested_stubs_once_accepted_resolve_from_the_gazetteer(runner, tmp_path, articles, server):
    (articles / "swiss-talks.txt").write_text(
        "Swiss talks\n\nDelegates met in the Swiss town of Yverdon-les-Bains on Tuesday, as fighting went on "
        "in the village of Tell Jabbarin.\n", encoding="utf-8")
    server.known.pop("Ayn Qutayfan")
    assert run_build(runner, tmp_path, articles, server.url).exit_code == 0
    site = tmp_path / "site"
    stubs = tmp_path / "stubs.yaml"
    r = runner.invoke(main, ["gazetteer", "suggest", str(site), "--gazetteer", str(GAZETTEER), "--out", str(stubs)])
    assert r.exit_code == 0, r.output
    text = stubs.read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    by_name = {e["name"]: e for e in entries}
    assert set(by_name) == set(VILLAGES) | {"Yverdon"}  # the one fallback-resolved name and the unresolved ones
    assert "# Tell Jabbarin: online 2x in 2 article(s): raqqa-villages, swiss-talks" in text
    assert by_name["Ayn Qutayfan"]["candidates"] == []
    first = by_name["Tell Jabbarin"]["candidates"][0]
    assert (first["kind"], first["country"], first["point"]) == ("village", "SY", list(VILLAGES["Tell Jabbarin"]))
    assert "OpenStreetMap osm-n5001" in first["note"]
    swiss = by_name["Yverdon"]["candidates"][0]
    assert (swiss["country"], swiss["geonames"], swiss["region"]) == ("CH", 2657941, "Vaud")
    assert swiss["population"] > 0

    # Pasted as written, the stubs do not validate: a candidate has to be chosen first.
    gaz = tmp_path / "gazetteer.yaml"
    original = GAZETTEER.read_text(encoding="utf-8")
    gaz.write_text(original + text, encoding="utf-8")
    r = runner.invoke(main, ["gazetteer", "check", str(gaz)])
    assert r.exit_code == 1 and "candidates: unknown key" in r.output

    # Accept the first candidate of each stub that has one, as a human would, and check again.
    accepted = []
    for e in entries:
        found = e.pop("candidates")
        if found:
            accepted.append({**e, **found[0]})
    gaz.write_text(original + yaml.safe_dump(accepted, allow_unicode=True, sort_keys=False).replace("\n", "\n  ")
                   .join(["  ", ""]).rstrip() + "\n", encoding="utf-8")
    r = runner.invoke(main, ["gazetteer", "check", str(gaz)])
    assert r.exit_code == 0, r.output

    r = runner.invoke(main, ["build", str(articles), "--out", str(tmp_path / "rebuilt"), "--gazetteer", str(gaz)])
    assert r.exit_code == 0, r.output
    ids = {e["name"]: e["id"] for e in accepted}
    placed = {m["text"]: m for m in mentions(tmp_path / "rebuilt")}
    for name in set(VILLAGES) - {"Ayn Qutayfan"} | {"Yverdon"}:
        assert (placed[name]["source"], placed[name]["place"]) == ("gazetteer", ids[name]), name
    assert placed["Ayn Qutayfan"]["note"] == "unresolved"


def test_suggest_says_what_to_do_without_a_site(runner, tmp_path):
    r = runner.invoke(main, ["gazetteer", "suggest", str(tmp_path / "nosite"), "--gazetteer", str(GAZETTEER)])
    assert r.exit_code == 1
    assert "nosite: not found; build a site first" in r.output


def test_suggest_names_the_bad_line(runner, tmp_path):
    bad = tmp_path / "records.jsonl"
    bad.write_text('{"id": "a", "mentions": []}\n{"id": "b"\n', encoding="utf-8")
    r = runner.invoke(main, ["gazetteer", "suggest", str(bad), "--gazetteer", str(GAZETTEER)])
    assert r.exit_code == 1
    assert "records.jsonl:2: not a geomap article record" in r.output


def test_online_options_and_suggest_are_documented():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in ("build", "extract"):
        for p in main.commands[command].params:
            if p.name.startswith("online"):
                assert p.opts[0] in readme, f"{command} {p.opts[0]} is not in README.md"
    assert "geomap gazetteer suggest" in readme and "ODbL" in readme


def test_an_unusable_cache_file_warns_and_the_build_goes_on(runner, tmp_path, articles, server):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    r = runner.invoke(main, ["build", str(articles), "--out", str(tmp_path / "site"), "--gazetteer", str(GAZETTEER),
                             "--online", "--online-url", server.url, "--online-cache", str(blocker / "cache.sqlite")])
    assert r.exit_code == 0, r.output
    assert "cannot use the cache" in r.stderr and "answers will not be kept for the next build" in r.stderr
    assert set(placed_online(tmp_path / "site")) == set(VILLAGES)


def test_only_unresolved_names_that_are_not_actors_are_asked(server, tmp_path):
    from geomap.geocoders.nominatim import CachedNominatim
    from geomap.model import Mention
    from geomap.online import OnlineLookup

    text = "Peshmerga fighters and Raqqa officials reached Tell Jabbarin and Tell Jabbarin again."
    def at(name: str, nth: int = 0) -> tuple[int, int]:
        start = text.find(name, text.find(name) + 1) if nth else text.find(name)
        return start, start + len(name)

    given = [Mention(*at("Peshmerga"), "Peshmerga", None, 0.0, "unresolved"),
             Mention(*at("Raqqa"), "Raqqa", None, 0.0, "metonymy (the government speaking)"),
             Mention(*at("Tell Jabbarin"), "Tell Jabbarin", None, 0.0, "unresolved"),
             Mention(*at("Tell Jabbarin", 1), "Tell Jabbarin", None, 0.0, "unresolved")]
    step = OnlineLookup(CachedNominatim(server.url, cache_path=tmp_path / "c.sqlite"))
    got = step.resolve(given)
    assert [q for q, _, _ in server.log] == ["Tell Jabbarin"]  # asked once, and only that
    assert [m.reason for m in got] == ["unresolved", "metonymy (the government speaking)", "online", "online"]
    assert all(text[m.start:m.end] == m.text for m in got)
    assert got[2].place.region == "Ar Raqqah" and got[2].confidence == 0.45
