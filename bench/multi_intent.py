"""Several requests in one mail: how often the cascade gets both, and how often it invents one.

1. data/two_request_eval.csv (column `intents`, "a;b"): how many mails end with both intents
   acted on by the policy (the primary and each intent routed in its own right), how many with
   both routed, and how many with both at least in the signal's list (information included).
2. data/multilingual_eval.csv (one request each): how many get a second routed intent, which
   is wrong by construction.

The cascade runs with the rules and the classical model (no LLM), as a deployment without one
does. The model is trained afresh on the shipped data, so the figures follow the data.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections import Counter
from pathlib import Path

from models import Message, Signal
from parsers import message_from_text
from triage.classify.cascade import Cascade
from triage.classify.classical import ClassicalModel
from triage.classify.files import load_taxonomy
from triage.classify.rules import load_rules
from triage.classify.segments import request_segments
from triage.classify.training import load_training_data, train

ROOT = Path(__file__).resolve().parents[1]
TWO_REQUESTS = ROOT / "data" / "two_request_eval.csv"
ONE_REQUEST = ROOT / "data" / "multilingual_eval.csv"


def acted_on(signal: Signal) -> list[str]:
    """The intents the policy proposes actions for: the primary and each routed one."""
    return [i.intent for n, i in enumerate(signal.intents) if n == 0 or i.routed]


def routed(signal: Signal) -> list[str]:
    """The intents routed in their own right."""
    return [i.intent for i in signal.intents if i.routed]


def read(path: Path, column: str) -> tuple[list[Message], list[set[str]], list[str]]:
    """Messages, expected intents and languages of one evaluation file."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    messages = [message_from_text(r["text"], subject=r["subject"]) for r in rows]
    expected = [set(filter(None, r[column].split(";"))) for r in rows]
    return messages, expected, [r["language"] for r in rows]


def two_requests(cascade: Cascade) -> None:
    """Print how many two-request mails get both intents, by language and by pair."""
    messages, expected, languages = read(TWO_REQUESTS, "intents")
    signals = cascade.classify_many(messages)
    both_acted = [want <= set(acted_on(s)) for s, want in zip(signals, expected, strict=True)]
    both_routed = [want <= set(routed(s)) for s, want in zip(signals, expected, strict=True)]
    listed = [
        want <= {i.intent for i in s.intents} for s, want in zip(signals, expected, strict=True)
    ]
    wrong = [set(routed(s)) - want for s, want in zip(signals, expected, strict=True)]
    n = len(signals)
    print(f"two-request mails ({TWO_REQUESTS.name}): {n}")
    print(f"    both intents acted on (primary + routed): {_share(sum(both_acted), n)}")
    print(f"    both intents routed in their own right:   {_share(sum(both_routed), n)}")
    print(f"    both intents in the signal at all:        {_share(sum(listed), n)}")
    print(f"    a routed intent that is neither:          {_share(sum(map(bool, wrong)), n)}")
    _by("language", languages, both_acted)
    _by("pair", [";".join(sorted(w)) for w in expected], both_acted)


def one_request(cascade: Cascade) -> None:
    """Print how many single-request mails wrongly get a second routed intent."""
    messages, expected, languages = read(ONE_REQUEST, "intent")
    signals = cascade.classify_many(messages)
    extra = [len(acted_on(s)) > 1 for s in signals]
    right = sum(s.intent in want for s, want in zip(signals, expected, strict=True))
    n = len(signals)
    print(f"single-request mails ({ONE_REQUEST.name}): {n}")
    print(f"    a second intent acted on (wrong):         {_share(sum(extra), n)}")
    print(f"    primary intent right (for context):       {_share(right, n)}")
    seconds = Counter(
        f"{s.intent}->{i}"
        for s, e in zip(signals, extra, strict=True)
        if e
        for i in acted_on(s)[1:]
    )
    for pair, count in seconds.most_common(8):
        print(f"        {count:3d}  {pair}")
    _by("language", languages, extra)
    segments = [len(request_segments(m.text)) for m in messages]
    print(f"    segments per mail: mean {sum(segments) / n:.2f}, max {max(segments)}")


def _by(label: str, keys: list[str], hits: list[bool]) -> None:
    totals, counts = Counter(keys), Counter(k for k, hit in zip(keys, hits, strict=True) if hit)
    cells = ", ".join(f"{k} {counts[k]}/{totals[k]}" for k in sorted(totals))
    print(f"    by {label}: {cells}")


def _share(count: int, total: int) -> str:
    return f"{count:4d} of {total} ({100 * count / total:.1f}%)"


def main() -> int:
    """Train on the shipped data, then print both measurements."""
    missing = [p.name for p in (TWO_REQUESTS, ONE_REQUEST) if not p.is_file()]
    if missing:
        print(f"missing evaluation data: {', '.join(missing)}")
        return 1
    taxonomy = load_taxonomy()
    folder = Path(tempfile.mkdtemp()) / "classical"
    train(load_training_data(ROOT / "data", taxonomy)).model.save(folder)
    model = ClassicalModel.load(folder)
    print(f"model {model.version} trained on the shipped data; cascade without an LLM")
    cascade = Cascade(taxonomy, load_rules(), model)
    two_requests(cascade)
    one_request(cascade)
    return 0


if __name__ == "__main__":
    sys.exit(main())
