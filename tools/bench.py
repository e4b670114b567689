"""``make bench``: speed and memory of the per-article stage and the site build, against a naive baseline.

Figures are medians of several runs in this process; the baseline (one regular expression per gazetteer
name, the way a first prototype would match) runs on the same texts in the same run, so the ratio holds
whatever the machine.
"""

from __future__ import annotations

import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from geomap.evaluate import read_corpus, to_article
from geomap.ingest import find_articles, read_article
from geomap.pipeline import Resources, extract, gather
from geomap.site import write_site

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
RUNS = 5


def median_seconds(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def naive_baseline(res: Resources):
    """One case-insensitive regex per name, run over each text: the baseline to beat."""
    patterns = [re.compile(r"\b" + re.escape(e.place.name) + r"\b", re.I) for e in res.gazetteer.entries.values()]
    patterns += [re.compile(r"\b" + re.escape(a) + r"\b", re.I) for e in res.gazetteer.entries.values() for a in e.aliases]

    def run(texts: list[str]) -> int:
        return sum(1 for t in texts for p in patterns for _ in p.finditer(t))

    return run


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    t = time.perf_counter()
    res = Resources.load(ROOT / "gazetteer.yaml")
    print(f"load gazetteer + offline GeoNames index: {time.perf_counter() - t:.2f} s "
          f"({len(res.gazetteer)} curated places, {len(res.world):,} GeoNames names)")
    sets: dict[str, list] = {}
    if (SHARED / "seeds").is_dir():
        sets["seeds"] = [read_article(p) for p in find_articles([SHARED / "seeds"])]
    tr = SHARED / "eval" / "TR-News" / "TR-News.xml"
    if tr.is_file():
        sets["TR-News"] = [to_article(g, tr) for g in read_corpus(tr)[1]]
    sets["examples"] = [read_article(p) for p in find_articles([ROOT / "examples" / "articles"])]
    baseline = naive_baseline(res)
    extract(sets["examples"][0], res)  # build the matcher once, outside the timings
    print(f"{'corpus':<10} {'articles':>8} {'words':>8} {'geomap art/s':>13} {'baseline art/s':>15} {'ratio':>6}")
    for name, articles in sets.items():
        words = sum(len(a.text.split()) for a in articles)
        ours = median_seconds(lambda articles=articles: [extract(a, res) for a in articles])
        base = median_seconds(lambda articles=articles: baseline([a.text for a in articles]))
        print(f"{name:<10} {len(articles):>8} {words:>8} {len(articles) / ours:>13.1f} "
              f"{len(articles) / base:>15.1f} {base / ours:>6.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = SHARED / "seeds" if (SHARED / "seeds").is_dir() else ROOT / "examples" / "articles"

        def build() -> None:
            write_site(gather([folder], res), Path(tmp) / "site", protect=[folder])

        seconds = median_seconds(build, runs=3)
        size = sum(p.stat().st_size for p in (Path(tmp) / "site").rglob("*") if p.is_file())
        print(f"site build ({folder.name}): {seconds:.2f} s median of 3, {size / 1e6:.2f} MB")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
