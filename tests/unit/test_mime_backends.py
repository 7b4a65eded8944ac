"""The MIME layer decision holds on the shared corpus: fast-mail-parser only with no difference."""

from __future__ import annotations

import pytest

from bench.peers.mime_backends import compare, corpus_files
from parsers.mime_backend import FAST_MAIL_PARSER
from tests.conftest import CORPORA

pytestmark = pytest.mark.corpus

# Every third file: a deterministic third of the corpus keeps the test near 10 s;
# bench/peers/mime_backends.py compares all of it.
SAMPLE_STEP = 3
# The differences that keep the stdlib: lost messages, undecoded subjects, lost ids, lost text.
REJECTED_ON = ("crash", "subject", "message_id", "plain")


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpus not present at {CORPORA}")
def test_mime_backend_decision_matches_the_evidence() -> None:
    files = corpus_files(CORPORA)[::SAMPLE_STEP]
    result = compare((str(p.relative_to(CORPORA)), p.read_bytes()) for p in files)
    assert result.messages > 1500
    if FAST_MAIL_PARSER:
        assert result.examples == {}
    else:
        missing = [kind for kind in REJECTED_ON if result.counts[kind] == 0]
        assert missing == [], f"no longer differs on {missing}: re-evaluate FAST_MAIL_PARSER"
