"""Check the team-written training rows and evaluation sets against the rules in data/README.md.

Run from the repository root: `.venv/bin/python data/check_examples.py`. It prints counts and
every finding, and exits 1 when a hard rule is broken (unknown label, duplicate, too few rows
for an intent in a language, an evaluation mail too close to a training row).
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

import py3langid

DATA = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA.parent))
from models.signal import Intent  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
NOT_BUSINESS = {"auto_reply", "bounce", "newsletter", "spam", "other"}
PAIR_LIMIT = 0.4  # cross-intent training pairs at or above this are listed
LEAK_LIMIT = 0.5  # an evaluation mail at or above this against a training row fails
SHORT = 60  # py3langid is unreliable below this many characters


def say(*parts: object) -> None:
    """Write one line of the report to standard output."""
    sys.stdout.write(" ".join(map(str, parts)) + "\n")


def words(text: str) -> frozenset[str]:
    """Return the lower-cased word set of `text` with every run of digits masked."""
    return frozenset(re.findall(r"\w+", re.sub(r"\d+", "0", text.lower())))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two word sets."""
    return len(a & b) / len(a | b) if a or b else 0.0


def read(name: str) -> list[dict[str, str]]:
    """Read one CSV file of the data folder."""
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def check_training(rows: list[dict[str, str]]) -> list[str]:
    """Check labels, duplicates, per-language minimum counts, pairs and languages."""
    errors: list[str] = []
    labels = {intent.value for intent in Intent}
    errors += [f"unknown label {r['intent']!r}" for r in rows if r["intent"] not in labels]
    seen: dict[str, str] = {}
    for row in rows:
        key = " ".join(row["text"].casefold().split())
        if key in seen:
            errors.append(f"duplicate: {row['text'][:60]!r}")
        seen[key] = row["intent"]
    counts = Counter((r["intent"], r["language"]) for r in rows)
    print_counts(counts, labels)
    for intent, lang in itertools.product(sorted(labels), LANGUAGES[1:]):
        if counts[(intent, lang)] < 3:
            errors.append(f"only {counts[(intent, lang)]} rows for {intent} in {lang}")
    sets = [words(r["text"]) for r in rows]
    for i, j in itertools.combinations(range(len(rows)), 2):
        if rows[i]["intent"] != rows[j]["intent"] and jaccard(sets[i], sets[j]) >= PAIR_LIMIT:
            say(f"pair {jaccard(sets[i], sets[j]):.2f}: rows {i + 2} and {j + 2}")
    for number, row in enumerate(rows, start=2):
        guess = py3langid.classify(row["text"])[0]
        if guess != row["language"]:
            size = "short" if len(row["text"]) < SHORT else "LONG"
            say(f"language {size}: row {number} says {row['language']}, py3langid {guess}")
    return errors


def print_counts(counts: Counter[tuple[str, str]], labels: set[str]) -> None:
    """Write the intent x language table as the Markdown of data/README.md."""
    say("| intent | " + " | ".join(LANGUAGES) + " | total |")
    for intent in [i.value for i in Intent if i.value in labels]:
        cells = [counts[(intent, lang)] for lang in LANGUAGES]
        say(f"| `{intent}` | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    totals = [sum(counts[(i, lang)] for i in labels) for lang in LANGUAGES]
    say("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")


def check_eval(rows: list[dict[str, str]], column: str, train: list[frozenset[str]]) -> list[str]:
    """Check an evaluation file's labels, languages, coverage and distance from training."""
    errors: list[str] = []
    labels = {intent.value for intent in Intent}
    per_lang = Counter(r["language"] for r in rows)
    say(f"{column}: {len(rows)} mails, per language {dict(per_lang)}")
    covered: set[tuple[str, str]] = set()
    worst = 0.0
    for row in rows:
        intents = row[column].split(";")
        errors += [f"unknown label {i!r}" for i in intents if i not in labels]
        covered.update((i, row["language"]) for i in intents)
        if not row["subject"].strip() or not row["text"].strip():
            errors.append(f"empty subject or text: {row['subject']!r}")
        if py3langid.classify(row["text"])[0] != row["language"]:
            say(f"language: {row['subject']!r} says {row['language']}")
        nearest = max(jaccard(words(row["text"]), t) for t in train)
        worst = max(worst, nearest)
        if nearest >= LEAK_LIMIT:
            errors.append(f"{nearest:.2f} to a training row: {row['subject']!r}")
    say(f"{column}: highest Jaccard to any training row {worst:.2f}")
    return errors + coverage_errors(column, covered, per_lang, labels)


def coverage_errors(
    column: str, covered: set[tuple[str, str]], per_lang: Counter[str], labels: set[str]
) -> list[str]:
    """The single-intent set must hold every business intent in every language."""
    if column != "intent":
        return []
    business = sorted(labels - NOT_BUSINESS)
    missing = [(i, lang) for i in business for lang in LANGUAGES if (i, lang) not in covered]
    short = [lang for lang in LANGUAGES if per_lang[lang] < 30]
    return [f"no {i} mail in {lang}" for i, lang in missing] + [f"< 30 in {s}" for s in short]


def main() -> int:
    """Run every check and return the exit status."""
    training = read("team_examples.csv")
    errors = check_training(training)
    train_sets = [words(r["text"]) for r in training]
    for name, column in (("multilingual_eval.csv", "intent"), ("two_request_eval.csv", "intents")):
        if (DATA / name).exists():
            errors += check_eval(read(name), column, train_sets)
    for error in errors:
        say("ERROR", error)
    say(f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
