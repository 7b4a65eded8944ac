"""IMAP backfill benchmark against a private Dovecot on loopback.

Appends 10,000 messages (the shared corpus plus the fixtures, repeated with fresh
Message-IDs) and measures in one run: (a) a bare imapclient loop fetching every UID with
BODY.PEEK[] in batches, (b) our backfill without classification (fetch, parse, store) and
our backfill with the classical stage (c) in one process (pool of 1) and (d) with a pool of
one worker per core. Goal (issue 16): (d) >= 10x the 88 msg/s measured before, every core
busy; CPU busy is the CPU time of this process and its workers over wall time and cores.

    python bench/imap_backfill.py [--total N] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from figures import record  # noqa: E402

from tests.integration.imap_server import Dovecot  # noqa: E402
from triage.config import ClassifySettings, MailboxSettings, PipelineSettings, Settings  # noqa: E402
from triage.ingest.pool import default_workers  # noqa: E402
from triage.ingest.service import build_watchers  # noqa: E402
from triage.runtime import build_runtime  # noqa: E402

TOTAL = 10_000
BATCH = 200
USER = "orders"
BEFORE_MSG_S = 88.0  # backfill with classification at de18779 (issue 16's table)
GOAL_TIMES = 10


@dataclass(frozen=True)
class Run:
    """One timed pass: wall seconds and CPU seconds of this process and its children."""

    seconds: float
    cpu: float

    def rate(self, total: int) -> float:
        """Messages per second."""
        return total / self.seconds

    def busy(self, cores: int) -> float:
        """Share of all cores our processes kept busy."""
        return self.cpu / self.seconds / cores


def cpu_seconds() -> float:
    """User + system time of this process and of its children that have exited."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_MSGID_RE = re.compile(rb"(?im)^message-id:[^\r\n]*\r?\n")


def corpus() -> list[bytes]:
    """Raw mails from the shared corpus and the fixtures (corpus optional)."""
    folders = [ROOT.parent / "shared" / "corpora", ROOT / "tests" / "fixtures" / "emails"]
    files = [p for f in folders if f.is_dir() for p in sorted(f.rglob("*")) if p.is_file()]
    return [p.read_bytes() for p in files if p.suffix != ".md" and p.stat().st_size < 2_000_000]


def fresh(raw: bytes, n: int) -> bytes:
    """The same mail with a new Message-ID, so every copy is a distinct message."""
    body = _MSGID_RE.sub(b"", raw, count=1)
    return b"Message-ID: <bench-%d@triage.example>\r\n" % n + body


def bare_fetch(dovecot: Dovecot, folder: str) -> Run:
    """A plain imapclient loop fetching everything with BODY.PEEK[]."""
    start, cpu = time.perf_counter(), cpu_seconds()
    with IMAPClient(dovecot.host, dovecot.port, ssl=False) as client:
        client.login(USER, dovecot.users[USER])
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), BATCH):
            client.fetch(uids[i : i + BATCH], ["BODY.PEEK[]"])
    return Run(time.perf_counter() - start, cpu_seconds() - cpu)


def backfill(
    dovecot: Dovecot, folder: str, model_dir: Path, classify: bool, workers: int, total: int
) -> Run:
    """Our full backfill into a fresh SQLite database (the workers' start-up included)."""
    data = Path(tempfile.mkdtemp(prefix="bench-imap-"))
    mailbox = MailboxSettings(
        name="bench",
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=USER,
        password=dovecot.users[USER],
        folders=[folder],
        batch_size=BATCH,
    )
    settings = Settings(
        data_dir=data,
        mailboxes=[mailbox],
        classify=ClassifySettings(model_dir=model_dir),
        pipeline=PipelineSettings(workers=workers),
    )
    runtime = build_runtime(settings)
    if not classify:
        runtime = replace(runtime, pipeline=replace(runtime.pipeline, cascade=None))
    watcher = build_watchers(runtime, [mailbox])[0]
    start, cpu = time.perf_counter(), cpu_seconds()
    result = watcher.sync()
    watcher.close()  # joins the workers, so that their CPU time is counted
    run = Run(time.perf_counter() - start, cpu_seconds() - cpu)
    runtime.engine.dispose()
    assert result.fetched == total and result.stored + result.failed == total, result
    return run


def main() -> int:
    """Fill Dovecot, run the passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=TOTAL)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "models" / "classical")
    args = parser.parse_args()
    model_dir, total = args.model_dir.resolve(), args.total
    if not (model_dir / "model.skops").is_file():
        print(f"no trained model in {model_dir}: run `triage train` first")
        return 1
    cores = default_workers()
    raws = corpus()
    with Dovecot() as dovecot:
        folder = "bench"
        start = time.perf_counter()
        dovecot.append_many(USER, folder, (fresh(raws[i % len(raws)], i) for i in range(total)))
        print(f"appended {total} messages in {time.perf_counter() - start:.1f} s")
        runs = {
            "bare imapclient fetch": bare_fetch(dovecot, folder),
            f"backfill, no classify, pool {cores}": backfill(
                dovecot, folder, model_dir, False, cores, total
            ),
            "backfill + classical, pool 1": backfill(dovecot, folder, model_dir, True, 1, total),
            f"backfill + classical, pool {cores}": backfill(
                dovecot, folder, model_dir, True, cores, total
            ),
        }
    for label, run in runs.items():
        print(
            f"{label:<34} {run.rate(total):8,.0f} msg/s  ({run.seconds:5.1f} s, "
            f"CPU busy {run.busy(cores):4.0%} of {cores} cores, "
            f"{run.cpu / total * 1000:5.2f} CPU ms/msg)"
        )
    bare, *_, inline, pooled = runs.values()
    goal = BEFORE_MSG_S * GOAL_TIMES
    verdict = "met" if pooled.rate(total) >= goal else "MISSED"
    print(
        f"backfill with classification: {pooled.rate(total):,.0f} msg/s = "
        f"{pooled.rate(total) / BEFORE_MSG_S:.1f}x the {BEFORE_MSG_S:.0f} msg/s before "
        f"(goal >= {goal:,.0f} msg/s, {GOAL_TIMES}x): {verdict}; pool {cores} / pool 1: "
        f"{pooled.rate(total) / inline.rate(total):.2f}x; of bare fetch: "
        f"{pooled.rate(total) / bare.rate(total):.0%}"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {cores} cores")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    record("backfill.bare_msg_s", bare.rate(total))
    record("backfill.classified_msg_s", pooled.rate(total))
    record("backfill.classified_inline_msg_s", inline.rate(total))
    record("backfill.classified_cpu_busy", pooled.busy(cores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
