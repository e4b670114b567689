"""Where the per-article stage runs: in this process, in a pool of local processes, or on a Dask cluster.

Each engine maps a function over items and returns the results in the items' order, so the output never
depends on the engine. Only the per-article stage is farmed out; everything that looks across articles
stays in the main process.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from geomap.errors import InputError

log = logging.getLogger(__name__)
PROGRESS_EVERY = 100  # articles between progress lines
PROGRESS_SECONDS = 5.0  # and at most one line this often (100,000 articles made 1,000 lines a stage), but the last
BATCH = 50  # items per task sent to a cluster: fewer round trips, still an even spread
CONNECT_TIMEOUT = "20s"  # how long to try reaching a Dask scheduler before saying so


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Progress:
    """'extracted 1200/10000 articles (410/s)' every PROGRESS_EVERY articles, at most every PROGRESS_SECONDS, and
    once at the end."""

    def __init__(self, total: int, what: str = "articles", done: str = "extracted") -> None:
        self.total, self.what, self.verb, self.done = total, what, done, 0
        self.started = self.said = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        before, self.done = self.done, self.done + n
        if self.done // PROGRESS_EVERY > before // PROGRESS_EVERY or self.done == self.total:
            now = time.perf_counter()
            if self.done == self.total or now - self.said >= PROGRESS_SECONDS:
                self.said = now
                rate = self.done / max(now - self.started, 1e-9)
                log.info("%s %d/%d %s (%.0f/s)", self.verb, self.done, self.total, self.what, rate)


def map_serial(fn: Callable[[Any], Any], items: Sequence, progress: Progress) -> list:
    out = []
    for item in items:
        out.append(fn(item))
        progress.advance()
    return out


_WORKER_FN: Callable[[Any], Any] | None = None


def _set_worker_fn(fn: Callable[[Any], Any]) -> None:
    global _WORKER_FN
    _WORKER_FN = fn
    _end_with_parent()


def _end_with_parent() -> None:
    """Ask Linux to end this worker when the build process dies, even of SIGKILL: it would otherwise go on writing
    into a folder nobody will use, and hold the build's output pipes open. (SIGTERM would not do: the pool's worker
    loop catches the SystemExit it raises and waits for more work.)"""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _call_worker_fn(items: Sequence) -> list:
    assert _WORKER_FN is not None, "worker started without its function"
    return [_WORKER_FN(item) for item in items]


def forks() -> bool:
    """Whether worker processes start as forks of this one, inheriting what it holds (Linux) rather than pickled."""
    return "fork" in multiprocessing.get_all_start_methods()


def _memory() -> tuple[int, int] | None:
    """This process's resident bytes and the bytes the system has available, or None where that is not known."""
    try:
        resident = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo", encoding="ascii") as fh:
            available = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return resident, available


def fork_budget(jobs: int, what: str) -> int:
    """How many of ``jobs`` forked workers the memory allows, for work that reads much of what this process holds.

    A fork shares this process's memory only until it writes to it, and reading a Python object writes its
    reference count: a worker that reads much of a large corpus comes to copy it. Two page workers forked from a
    7.7 GB build of 100,000 articles filled 24 GB within four minutes, 16 GB being free when they started. So each
    worker is counted as a copy, and one copy more is kept free.
    """
    memory = _memory()
    if jobs <= 1 or memory is None:
        return jobs
    resident, available = memory
    allowed = max(1, min(jobs, available // max(resident, 1) - 1))  # and a copy spare, for all the build still makes
    if allowed < jobs:
        log.warning("%s by %d process%s, not %d: each forked worker may come to copy this process's %.1f GB, and "
                    "%.1f GB is available (more free memory lets them run side by side)", what, allowed,
                    "" if allowed == 1 else "es", jobs, resident / 1e9, available / 1e9)
    return allowed


def map_processes(fn: Callable[[Any], Any], items: Sequence, jobs: int, progress: Progress) -> list:
    """``fn`` over ``items`` in ``jobs`` worker processes.

    Where processes fork (Linux), workers inherit ``fn`` and the resources it holds as they are, already
    loaded; elsewhere ``fn`` is pickled to each worker once.
    """
    if jobs <= 1 or len(items) <= 1:
        return map_serial(fn, items, progress)
    context = multiprocessing.get_context("fork" if forks() else None)
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    out = []
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_set_worker_fn, initargs=(fn,))
    try:
        # Chunks submitted as futures of our own rather than by pool.map, which cancels the futures left when the
        # caller stops, so that the pool's thread fails on them once the workers are killed (Python 3.11).
        for done in [pool.submit(_call_worker_fn, items[i:i + chunk]) for i in range(0, len(items), chunk)]:
            for result in done.result():
                out.append(result)
                progress.advance()
    except BaseException:
        # Ctrl-C, SIGTERM or a failed item: end the workers now rather than wait for the work they hold, and before
        # the caller removes the folder they may be writing into. They hold nothing that needs cleaning up.
        processes = list(getattr(pool, "_processes", {}).values())  # no public way before Python 3.14
        for process in processes:
            process.kill()
        for process in processes:
            process.join(10)
        pool.shutdown(wait=False)  # (cancelling the futures too trips the executor up as it finds the workers gone)
        raise
    pool.shutdown()
    return out


def map_dask(address: str, fn: Callable[[list, Any], list], items: Sequence, shared: Any, progress: Progress) -> list:
    """``fn(batch, shared)`` over batches of ``items`` on the Dask cluster whose scheduler is at ``address``.

    ``shared`` (the gazetteer, say) is sent to every worker once; workers need geomap installed.
    """
    try:
        from dask.distributed import Client, as_completed
    except ImportError as err:
        raise InputError("--scheduler needs dask.distributed: pip install 'geomap[cluster]'") from err
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as err:
        raise InputError(f"cannot reach the Dask scheduler at {address} ({err}); "
                         "check the address, or build locally without --scheduler") from err
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, min(BATCH, len(items) // (4 * workers)))  # small corpora still reach every worker
        batches = [list(items[i:i + size]) for i in range(0, len(items), size)]
        shared_future = client.scatter(shared, broadcast=True)
        futures = client.map(fn, batches, shared=shared_future, pure=False)
        order = {f.key: n for n, f in enumerate(futures)}
        results: list[list | None] = [None] * len(batches)
        for future in as_completed(futures):
            results[order[future.key]] = future.result()
            progress.advance(len(batches[order[future.key]]))
    finally:
        client.close()
    return [r for batch in results for r in batch]
