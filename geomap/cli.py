"""The ``geomap`` command line. Each command's docstring is its ``--help``."""

from __future__ import annotations

import gc
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from geomap import __version__
from geomap.errors import GeomapError

DEFAULT_GAZETTEER = "gazetteer.yaml"
gazetteer_option = click.option(
    "--gazetteer", "gazetteer_path", type=click.Path(path_type=Path), default=DEFAULT_GAZETTEER, show_default=True,
    help="Curated places (YAML) to read names against.")


def online_options(command):
    """--online and its settings, shared by build and extract."""
    options = [
        click.option("--online", is_flag=True,
                     help="Ask OpenStreetMap Nominatim for names no offline source could place (cached; 1 request/s)."),
        click.option("--online-url", default="https://nominatim.openstreetmap.org", show_default=True,
                     help="Nominatim server to ask (your own instance, or a mirror that allows it)."),
        click.option("--online-limit", type=click.IntRange(min=0), default=200, show_default=True,
                     help="At most this many names sent to the server per run; cached answers do not count."),
        click.option("--online-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
                     help="Seconds to wait for one answer before retrying."),
        click.option("--online-cache", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="SQLite file keeping the server's answers  [default: nominatim.sqlite in the geomap cache "
                          "folder, $GEOMAP_CACHE or ~/.cache/geomap]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _online(online: bool, online_url: str, online_limit: int, online_timeout: float, online_cache: Path | None):
    """The online step the options ask for, or None (the default: fully offline)."""
    if not online:
        return None
    from geomap.geocoders.geonames import cache_dir
    from geomap.geocoders.nominatim import CachedNominatim
    from geomap.online import OnlineLookup

    try:
        geocoder = CachedNominatim(online_url, cache_path=online_cache or cache_dir() / "nominatim.sqlite",
                                   timeout=online_timeout)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'--online-url'") from None
    return OnlineLookup(geocoder, limit=online_limit)


def _engine_options(fn):
    """--jobs, --cache/--no-cache and --scheduler: how the per-article stage runs (the output never changes)."""
    options = [
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Worker processes for the per-article stage [default: all cores]."),
        click.option("--cache", "cache_path", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Folder of the article cache: unchanged articles are not read again "
                          "[default: the per-user cache folder, e.g. ~/.cache/geomap]."),
        click.option("--no-cache", is_flag=True, help="Read every article again; neither use nor update the cache."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
                     help="Run the per-article stage on this Dask distributed scheduler (pip install 'geomap[cluster]')."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _engine(jobs: int | None, cache_path: Path | None, no_cache: bool, scheduler: str | None):
    from geomap.cache import cache_dir
    from geomap.parallel import default_jobs
    from geomap.pipeline import Engine

    if no_cache and cache_path is not None:
        raise click.UsageError("--cache and --no-cache contradict each other; give one of them")
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
        raise click.BadParameter(f"expected an address such as tcp://10.0.0.5:8786, got {scheduler!r}",
                                 param_hint="'--scheduler'")
    return Engine(jobs=jobs or default_jobs(), cache_dir=None if no_cache else cache_path or cache_dir(),
                  scheduler=scheduler)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = {"WARNING": "warning: ", "ERROR": "error: "}.get(record.levelname, "")
        return prefix + record.getMessage()


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("geomap")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    root.propagate = False


def _fail(err: GeomapError) -> click.ClickException:
    exc = click.ClickException(str(err))
    exc.exit_code = err.exit_code
    return exc


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM (``kill``, a CI timeout) unwinds like Ctrl-C, so the half-built temporary folder is removed."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geomap")
@click.option("-v", "--verbose", is_flag=True, help="Say more about each stage.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def main(verbose: bool, quiet: bool) -> None:
    """geomap: turn a folder of news articles into a map site of what each article claims happened where."""
    _setup_logging(verbose, quiet)


@main.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Output folder; replaced as a whole only when the build succeeds.")
@gazetteer_option
@click.option("--strict", is_flag=True, help="Fail when any article file has to be skipped (for CI).")
@click.option("--force", is_flag=True,
              help="Build the site again, every page rendered, even if nothing it is built from changed.")
@online_options
@_engine_options
def build(articles: tuple[Path, ...], out: Path, gazetteer_path: Path, strict: bool, force: bool, jobs: int | None,
          cache_path: Path | None, no_cache: bool, scheduler: str | None, **online) -> None:
    """Build the map site from ARTICLES (folders or .txt/.md/.html files).

    Articles unchanged since an earlier build are taken from the article cache; the others are read in
    parallel (--jobs) or on a Dask cluster (--scheduler). Either way the site is the same.

    A site built from the same inputs is left as it is; otherwise pages whose inputs are unchanged since
    the site in --out was built are kept rather than rendered again. --force renders everything.
    """
    from geomap.cache import collector_paused
    from geomap.pipeline import Resources, assemble, find, online_engine, site_key
    from geomap.site import write_site
    from geomap.site.incremental import Previous
    from geomap.site.output import check_output

    started = time.perf_counter()
    engine = _engine(jobs, cache_path, no_cache, scheduler)
    log = logging.getLogger("geomap")
    try:
        check_output(out, list(articles))
        lookup = _online(**online)
        engine = online_engine(lookup, engine)
        found = find(list(articles), strict=strict, engine=engine)
        _settle()
        key = site_key(found, gazetteer_path, online=lookup is not None)
        previous = None if force or not engine.cache_dir else Previous.read(out)
        if previous is not None and previous.built_from(key):
            log.info("%s is up to date: no article, gazetteer or geomap file changed since it was built (%.1fs); "
                     "--force builds it again anyway", out, time.perf_counter() - started)
            return
        res = Resources.load(gazetteer_path).with_online(lookup)
        _settle()
        with collector_paused():  # the corpus is frozen before the collector is back, so it is never walked
            corpus = assemble(found, res, engine)
            _settle()
        with _terminate_cleanly():
            stats = write_site(corpus, out, protect=list(articles), key=key, force=force, jobs=engine.jobs)
    except GeomapError as err:
        raise _fail(err) from None
    finally:
        gc.unfreeze()  # a caller in the same process (tests, a notebook) gets a collector that sees everything again
    log.info("built %s: %d articles (%d syndicated copies), %d claims at %d places, %d skipped files in %.1fs",
             out, len(corpus.extractions), len(corpus.duplicates), stats["claims"], stats["places"], len(corpus.skipped),
             time.perf_counter() - started)


def _settle() -> None:
    """What is built so far (articles, resources, the corpus) lives until the build ends. Frozen out of the cycle
    collector's sight, it is not walked again at each collection (that doubled a rebuild of 10,000 articles), nor
    are its pages written to (and so copied) in forked workers. ``build`` unfreezes it when it ends.

    The corpus is made with the collector off and frozen before it is on again: else the first collection after
    would walk the millions of objects made meanwhile, all still young (a second at 10,000 articles). The
    per-article stage makes no reference cycles, and what looks across articles makes few."""
    gc.freeze()


@main.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article (JSON Lines) on stdout.")
@gazetteer_option
@online_options
@_engine_options
def extract(articles: tuple[Path, ...], as_json: bool, gazetteer_path: Path, jobs: int | None,
            cache_path: Path | None, no_cache: bool, scheduler: str | None, **online) -> None:
    """Print what geomap reads in ARTICLES: places with offsets, claims, focus."""
    from geomap.export import article_record, json_line
    from geomap.pipeline import Resources, gather

    engine = _engine(jobs, cache_path, no_cache, scheduler)
    try:
        corpus = gather(list(articles), Resources.load(gazetteer_path).with_online(_online(**online)), engine=engine)
    except GeomapError as err:
        raise _fail(err) from None
    for x in corpus.extractions:
        record = article_record(x, corpus.duplicates.get(x.article.id))
        if as_json:
            click.echo(json_line(record), nl=False)
        else:
            click.echo(f"{x.article.id}: {x.article.title or '(no title)'}")
            for c in record["claims"]:
                click.echo(f"  {c['event']:<11} {', '.join(c['places'])}: {c['text'][:100]}")


@main.group()
def gazetteer() -> None:
    """Work with the curated gazetteer."""


@gazetteer.command("check")
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_GAZETTEER)
def gazetteer_check(path: Path) -> None:
    """Validate a gazetteer file; errors are shown as FILE:LINE: what is wrong."""
    from geomap.gazetteer import load

    try:
        gaz = load(path)
    except GeomapError as err:
        raise _fail(err) from None
    click.echo(f"{path}: {len(gaz)} places, {len(gaz.names)} names: valid")


@gazetteer.command("suggest")
@click.argument("site", type=click.Path(path_type=Path), default=Path("site"))
@gazetteer_option
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the stubs to this file instead of stdout.")
def gazetteer_suggest(site: Path, gazetteer_path: Path, out: Path | None) -> None:
    """Write gazetteer stubs for names a build of SITE could not place, or placed only through a fallback.

    SITE is a built site folder (its data/articles.jsonl is read, so the stubs match the build you
    reviewed, online answers included) or a file written by `geomap extract --json`. Each stub lists
    `candidates:` (the build's pick, then GeoNames places by size); keep one, move its keys up into the
    place, paste the place under `places:` in your gazetteer and run `geomap gazetteer check`.
    """
    from geomap.gazetteer import load
    from geomap.geocoders import OfflineGeoNames
    from geomap.suggest import collect, read_records, render

    try:
        records = read_records(site)  # a missing or broken site is said before the gazetteer is read
        gaz = load(gazetteer_path)
        suggestions = collect(records, gaz)
        text = render(suggestions, gaz, OfflineGeoNames() if suggestions else None, str(site))
    except GeomapError as err:
        raise _fail(err) from None
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    logging.getLogger("geomap").info("%d stub(s) for names %s does not hold%s", len(suggestions), gazetteer_path,
                                     f", written to {out}" if out else "")


@main.command("eval")
@click.argument("corpora", nargs=-1, required=True, type=click.Path(path_type=Path))
@gazetteer_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Read only the first N articles of each corpus.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per corpus (JSON Lines) on stdout instead of the table.")
@click.option("--literal", is_flag=True,
              help="Count place claims only, not demonyms or metonymy (for gold sets that leave those out, e.g. GeoVirus).")
def eval_command(corpora: tuple[Path, ...], gazetteer_path: Path, limit: int | None, as_json: bool,
                 literal: bool) -> None:
    """Measure geomap against gold CORPORA (TR-News/LGL or GeoVirus XML, detected from the file).

    Prints one row per corpus: recognition precision, recall and F1 (a mention that names a place, as a place
    claim or in a non-place use such as "Syrian", is a hit when it overlaps a gold toponym, each gold toponym
    matched once; --literal counts place claims only), Acc@161 (gold toponyms with coordinates found
    and resolved within 161 km, over all gold toponyms with coordinates; gold toponyms without coordinates
    count for recognition only), mean and median error in km over the matched ones, articles, gold toponyms,
    and the seconds taken to read the articles.
    """
    from geomap.evaluate import read_corpus, run, table
    from geomap.pipeline import Resources

    try:
        gold = [(path, *read_corpus(path)) for path in corpora]
        res = Resources.load(gazetteer_path)
        results = [run(path, articles[:limit] if limit else articles, schema, res, literal)
                   for path, schema, articles in gold]
    except GeomapError as err:
        raise _fail(err) from None
    if as_json:
        for r in results:
            click.echo(json.dumps(r.as_dict(), ensure_ascii=False))
    else:
        for line in table(results):
            click.echo(line)


if __name__ == "__main__":
    main()
