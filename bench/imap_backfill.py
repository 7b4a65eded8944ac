"""IMAP backfill benchmark against a private Dovecot on loopback.

Appends 10,000 messages (the shared corpus plus the fixtures, repeated with fresh
Message-IDs) and measures in one run: (a) a bare imapclient loop fetching every UID with
BODY.PEEK[] in batches, (b) our backfill without classification (fetch, parse, store) and
(c) with the classical stage. Target: (b) >= 50% of (a).
"""

from __future__ import annotations

import re
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.imap_server import Dovecot  # noqa: E402
from triage.config import ClassifySettings, MailboxSettings, Settings  # noqa: E402
from triage.ingest.service import build_watchers  # noqa: E402
from triage.runtime import build_runtime  # noqa: E402

TOTAL = 10_000
BATCH = 200
USER = "orders"
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


def bare_fetch(dovecot: Dovecot, folder: str) -> float:
    """Seconds for a plain imapclient loop fetching everything with BODY.PEEK[]."""
    start = time.perf_counter()
    with IMAPClient(dovecot.host, dovecot.port, ssl=False) as client:
        client.login(USER, dovecot.users[USER])
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), BATCH):
            client.fetch(uids[i : i + BATCH], ["BODY.PEEK[]"])
    return time.perf_counter() - start


def backfill(dovecot: Dovecot, folder: str, classify: bool) -> float:
    """Seconds for our full backfill into a fresh SQLite database."""
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
    model_dir = (ROOT / "var" / "models" / "classical").resolve()
    classify_settings = ClassifySettings(model_dir=model_dir)
    runtime = build_runtime(
        Settings(data_dir=data, mailboxes=[mailbox], classify=classify_settings)
    )
    if not classify:
        runtime = replace(runtime, pipeline=replace(runtime.pipeline, cascade=None))
    watcher = build_watchers(runtime, [mailbox])[0]
    start = time.perf_counter()
    result = watcher.sync()
    elapsed = time.perf_counter() - start
    watcher.close()
    runtime.engine.dispose()
    assert result.fetched == TOTAL, result
    return elapsed


def main() -> int:
    """Fill Dovecot, run the three passes and print the figures."""
    if not (ROOT / "var" / "models" / "classical" / "model.skops").is_file():
        print("no trained model in var/models/classical: run `triage train` first")
        return 1
    raws = corpus()
    with Dovecot() as dovecot:
        folder = "bench"
        start = time.perf_counter()
        dovecot.append_many(USER, folder, (fresh(raws[i % len(raws)], i) for i in range(TOTAL)))
        print(f"appended {TOTAL} messages in {time.perf_counter() - start:.1f} s")
        bare = bare_fetch(dovecot, folder)
        plain = backfill(dovecot, folder, classify=False)
        full = backfill(dovecot, folder, classify=True)
    for label, seconds in (
        ("bare imapclient fetch", bare),
        ("backfill, no classify", plain),
        ("backfill with classical", full),
    ):
        print(f"{label:<26} {TOTAL / seconds:8,.0f} msg/s  ({seconds:.1f} s)")
    print(f"backfill/bare without classification: {bare / plain:.0%} (target >= 50%)")
    print(f"backfill/bare with classification:    {bare / full:.0%}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
