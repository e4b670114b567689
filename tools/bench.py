"""``make bench``: speed, memory and accuracy on a synthetic corpus, against a naive baseline in the same run.

For each N (1,000 and 10,000; ``--large`` adds 100,000) a fresh process writes N synthetic articles
(``geomap.synth``, with ground truth) and measures:

* articles/s of the per-article stage with ``--jobs 1`` and with all cores, and of the baseline (the
  ``geotext`` package's city/country matcher) on the same texts, and their ratio;
* peak RSS of the main process, and of a process that runs the per-article stage over all N articles
  one after another, keeping nothing, as each worker does (flat in N is the target);
* ``geomap build`` with an empty article cache (cold) and its peak RSS; run again with nothing changed (warm),
  with ``--force`` (every article from the cache, every page rendered again) and after touching one article;
  and the site build alone with the size of the site;
* place recall and precision against the generator's truth (article level: the gazetteer ids named),
  for geomap and for the baseline.

Per-article speeds are medians of runs on the first SAMPLE articles (the whole corpus for smaller N): PAIRS
runs with ``--jobs 1``, each followed by a run of the baseline (this VM's speed swings by up to 1.7x from one
ten seconds to the next), and RUNS with all cores. Build times are single runs at full N, which the output
says. Each N runs in its own process, so memory and caches do not leak from one N into the next.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
PAIRS = 9
SAMPLE = 1000


def seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_seconds(fn, runs: int = RUNS) -> float:
    return statistics.median(seconds(fn) for _ in range(runs))


def paired_medians(ours, theirs, runs: int = PAIRS) -> tuple[float, float]:
    """Median seconds of ``ours`` and of ``theirs`` run in turn: side by side over a minute or so, what a
    swing of the machine's speed does to one it does to the other, and the medians see several swings."""
    pairs = [(seconds(ours), seconds(theirs)) for _ in range(runs)]
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)


def scores(predicted: list[set[str]], truth: list[set[str]]) -> tuple[float, float]:
    """Micro-averaged (recall, precision) of place ids per article."""
    hits = sum(len(p & t) for p, t in zip(predicted, truth, strict=True))
    return hits / max(1, sum(map(len, truth))), hits / max(1, sum(map(len, predicted)))


def measure(n: int) -> dict:
    """Everything for one N, in this (fresh) process."""
    from geotext import GeoText

    from geomap.ingest import find_articles, read_article
    from geomap.parallel import default_jobs
    from geomap.pipeline import Engine, Resources, extract_all, gather
    from geomap.site import write_site
    from geomap.syndication import find_duplicates, signatures
    from geomap.synth import TRUTH, density, write_corpus
    from geomap.textnorm import fold

    out: dict = {"n": n, "cores": default_jobs()}
    t = time.perf_counter()
    res = Resources.load(ROOT / "gazetteer.yaml")
    out["load_s"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="geomap-bench-") as tmp:
        corpus, cache, site = Path(tmp) / "corpus", Path(tmp) / "cache", Path(tmp) / "site"
        truths = write_corpus(n, corpus, res.gazetteer, seed=n)
        (corpus / TRUTH).unlink()  # not an article
        articles = [read_article(p) for p in find_articles([corpus])]
        out["words"] = sum(t.words for t in truths) / n
        done = subprocess.run([sys.executable, __file__, "--stage", str(corpus)], capture_output=True, text=True,
                              check=True)
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
        sample = articles[:SAMPLE]
        out["sample"] = len(sample)
        jobs1, base = paired_medians(lambda: extract_all(sample, res, Engine(jobs=1)),
                                     lambda: [GeoText(a.text) for a in sample])
        jobsn = median_seconds(lambda: extract_all(sample, res, Engine(jobs=out["cores"])))
        out.update(jobs1_aps=len(sample) / jobs1, jobsn_aps=len(sample) / jobsn, baseline_aps=len(sample) / base)
        sigs = signatures(articles, out["cores"])
        out["copies_s"] = median_seconds(lambda: find_duplicates(articles, sigs))

        def build(*extra: str) -> float:
            """``geomap build`` as a user runs it, interpreter start included: wall seconds."""
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "geomap", "-q", "build", str(corpus), "--out", str(site),
                            "--gazetteer", str(ROOT / "gazetteer.yaml"), "--cache", str(cache), *extra], check=True)
            return time.perf_counter() - t

        out["cold_s"] = build()
        # The largest peak of a child so far: the cold build's (the --stage process above holds far less).
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        out["warm_s"] = build()
        out["forced_s"] = build("--force")

        built = gather([corpus], res, engine=Engine(jobs=out["cores"], cache_dir=cache))
        gc.freeze()  # as ``geomap build`` does once the corpus is gathered
        again = Path(tmp) / "site-again"
        t = time.perf_counter()
        write_site(built, again, protect=[corpus], force=True, jobs=out["cores"])  # every page rendered, as a build does
        out["site_s"] = time.perf_counter() - t
        out["site_mb"] = sum(p.stat().st_size for p in again.rglob("*") if p.is_file()) / 1e6
        shutil.rmtree(again)

        touched = corpus / truths[n // 2].file
        touched.write_text(touched.read_text(encoding="utf-8") + "\nThe statement could not be verified.\n",
                           encoding="utf-8")
        out["touch_s"] = build()

        by_id = {x.article.id: x for x in built.extractions}
        truth = [set(t.places) for t in truths]
        ours = [{m.place.id for m in by_id[t.id].mentions if m.place} for t in truths]
        out["recall"], out["precision"] = scores(ours, truth)
        out.update(density(built.extractions))
        names = res.gazetteer.names
        theirs = []
        for a in articles:
            found = GeoText(a.text)
            theirs.append({i for name in {*found.cities, *found.countries} for i in names.get(fold(name), [fold(name)])})
        out["baseline_recall"], out["baseline_precision"] = scores(theirs, truth)
    return out


def real_corpora() -> list[tuple[str, list]]:
    """The seed articles and the gold corpora's texts, where ``../shared`` has them."""
    from geomap.evaluate import read_corpus, to_article
    from geomap.ingest import find_articles, read_article

    shared = ROOT.parent / "shared" / "corpus"
    out = []
    if (shared / "seeds").is_dir():
        out.append(("seeds", [read_article(p) for p in find_articles([shared / "seeds"])]))
    for name in ("TR-News/TR-News.xml", "GeoVirus/GeoVirus.xml"):
        if (shared / "eval" / name).is_file():
            _, gold = read_corpus(shared / "eval" / name)
            out.append((Path(name).stem, [to_article(g, name) for g in gold]))
    return out


def measure_stage(folder: Path) -> dict:
    """Peak RSS of a process that runs the per-article stage over every article of ``folder``, one after another,
    keeping nothing: what each ``--jobs`` worker does. (A forked worker's own RSS would also count the pages
    it shares with the main process, which holds the corpus.)"""
    from geomap.ingest import find_articles, read_article
    from geomap.pipeline import Resources, extract

    res = Resources.load(ROOT / "gazetteer.yaml")
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for path in find_articles([folder]):
        extract(read_article(path), res)
    return {"stage_start_mb": loaded, "stage_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_real() -> list[dict]:
    """Per-article speed on real articles, jobs=1, against the baseline; in this (fresh) process."""
    from geotext import GeoText

    from geomap.pipeline import Engine, Resources, extract_all
    from geomap.synth import density

    res = Resources.load(ROOT / "gazetteer.yaml")
    rows = []
    for name, articles in real_corpora():
        ours, base = paired_medians(lambda a=articles: extract_all(a, res, Engine(jobs=1)),
                                    lambda a=articles: [GeoText(x.text) for x in a])
        rows.append({"corpus": name, "articles": len(articles), "words": sum(len(a.text.split()) for a in articles)
                     / len(articles), "aps": len(articles) / ours, "baseline_aps": len(articles) / base,
                     "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                     **density(extract_all(articles, res, Engine(jobs=1)))})
    return rows


def report_real(rows: list[dict]) -> None:
    print(f"\nreal articles (../shared), per-article stage with jobs=1, median of {PAIRS} runs, each beside a "
          "geotext run:")
    print(f"{'corpus':>10} {'articles':>8} {'words':>6} {'art/s':>7} {'at 800 words':>12} {'geotext art/s':>13} "
          f"{'ratio':>6} {'peak RSS MB':>11} {'per 800 words: sentences places claims':>38}")
    for r in rows:
        print(f"{r['corpus']:>10} {r['articles']:>8} {r['words']:>6.0f} {r['aps']:>7.0f} {at_800(r):>12.0f} "
              f"{r['baseline_aps']:>13.0f} {r['aps'] / r['baseline_aps']:>6.2f} {r['rss_mb']:>11.0f} {per_800(r):>38}")
    print("at 800 words = art/s x words / 800: the articles/s the stage would give on 800-word articles of that kind")


def at_800(row: dict, key: str = "aps") -> float:
    return row[key] * row["words"] / 800


def per_800(row: dict) -> str:
    return f"{row['sentences_800']:.1f} {row['places_800']:.1f} {row['claims_800']:.1f}"


def report(rows: list[dict]) -> None:
    first = rows[0]
    print(f"\ngeomap bench: synthetic articles (~{first['words']:.0f} words), {first['cores']} cores, "
          f"Python {platform.python_version()} ({Path(sys.executable).resolve()}: how it was built counts, see the "
          f"Makefile); resources loaded in {first['load_s']:.2f} s")
    print(f"per-article stage on the first articles (column 'sample'): jobs=1 and geotext median of {PAIRS} runs in "
          f"turn, all cores median of {RUNS}; builds: one run at full N")
    head = (f"{'N':>7} {'sample':>7} {'jobs=1 art/s':>12} {'at 800 words':>12} {'all cores':>10} "
            f"{'geotext art/s':>13} "
            f"{'ratio':>6} {'copies s':>8} {'cold s':>7} {'warm s':>7} {'forced s':>8} {'touch 1 s':>9} {'site s':>7} "
            f"{'site MB':>8} {'RSS MB':>7} {'stage MB':>8} {'recall':>6} {'prec':>5} {'geotext R/P':>11}")
    print(head)
    for r in rows:
        print(f"{r['n']:>7,} {r['sample']:>7} {r['jobs1_aps']:>12.0f} "
              f"{at_800(r, 'jobs1_aps'):>12.0f} "
              f"{r['jobsn_aps']:>10.0f} {r['baseline_aps']:>13.0f} {r['jobs1_aps'] / r['baseline_aps']:>6.2f} "
              f"{r['copies_s']:>8.2f} {r['cold_s']:>7.1f} {r['warm_s']:>7.1f} {r['forced_s']:>8.1f} {r['touch_s']:>9.1f} "
              f"{r['site_s']:>7.1f} {r['site_mb']:>8.1f} {r['rss_mb']:>7.0f} {r['stage_rss_mb']:>8.0f} "
              f"{r['recall']:>6.3f} {r['precision']:>5.3f} "
              f"{r['baseline_recall']:>5.3f}/{r['baseline_precision']:.3f}")
    print("ratio = geomap jobs=1 art/s / geotext art/s on the same texts; copies = finding syndicated copies among "
          "all N (shingle sets given; medians as the sample); cold = empty article cache; "
          "warm, forced, touch 1 = `geomap build` run again (interpreter start included) with nothing changed, "
          "with --force (every article from the cache, every page rendered again), and after editing one article; "
          "site = writing the site alone, every page rendered; RSS = peak of the cold build's main process; "
          "stage = a process running the per-article stage over all N articles one after another, as a worker does")
    print("per 800 words (sentences, located place mentions, claims), to set beside the real articles': "
          + "; ".join(f"N={r['n']:,}: {per_800(r)}" for r in rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000])
    parser.add_argument("--large", action="store_true", help="also N=100,000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one N, print JSON
    parser.add_argument("--real", action="store_true", help=argparse.SUPPRESS)  # internal: real corpora, JSON
    parser.add_argument("--stage", type=Path, help=argparse.SUPPRESS)  # internal: per-article stage memory, JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    if args.stage:
        print(json.dumps(measure_stage(args.stage)))
        return 0
    if args.real:
        print(json.dumps(measure_real()))
        return 0
    print("bench: real articles ...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, __file__, "--real"], capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return done.returncode
    report_real(json.loads(done.stdout.strip().splitlines()[-1]))
    sizes = args.sizes + ([100_000] if args.large else [])
    rows = []
    for n in sizes:
        print(f"bench: N={n:,} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
