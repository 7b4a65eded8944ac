"""The literal text a rule pattern cannot match without: a cheap test before the regex scan.

A case-insensitive pattern such as `\\b(please|kindly)\\s+cancel\\s+...` is tried at every
position of the text; on real mail the rules' hundred-odd patterns were a third of the CPU
time of classifying. Most patterns contain a literal every match must include ("cancel"),
found here from the pattern's parse tree: when none of a pattern's literals is in the
text, folded as the engine folds letters (`folded`), the pattern cannot match and is not run;
the answer is always the regex's own (a test compares both on the corpus and the data sets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# The stdlib's regex parser and its extra case equivalences: private modules, stable across
# 3.11-3.13; without them the shortcut is off and every pattern is run.
try:
    import re._casefix as _casefix  # type: ignore[import-not-found]
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - another Python: no shortcut
    _parser = None


def _fold_table() -> dict[int, int]:
    """Each lower-case letter to one member of the set the engine treats as the same letter
    (its extra equivalences: i/ı, s/ſ, µ/μ, σ/ς...), so one `in` test covers them all."""
    classes: dict[int, set[int]] = {}
    for key, extras in _casefix._EXTRA_CASES.items() if _parser else []:
        members = {key, *extras} | classes.get(key, set())
        for member in list(members):
            members |= classes.get(member, set())
        for member in members:
            classes[member] = members
    return {c: min(members) for c, members in classes.items() if c != min(members)}


_FOLD = _fold_table()
_BEFORE_LOWER = {0x130: ord("i")}  # İ: the engine's lower case is i, str.lower()'s is two letters


def folded(text: str) -> str:
    """Text as the engine compares it case-insensitively, letter for letter."""
    return text.translate(_BEFORE_LOWER).lower().translate(_FOLD)


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-cased strings of which every match contains one; None when no such set is known."""
    if _parser is None:
        return None
    try:
        return _of_sequence(_parser.parse(pattern, re.IGNORECASE))
    except (re.error, RecursionError):
        return None


def lowered_for_literals(text: str) -> str | None:
    """The text to test literals in (None: no shortcut on this Python)."""
    return folded(text) if _parser is not None else None


def may_match(literals: frozenset[str] | None, lowered: str | None) -> bool:
    """False only when the pattern cannot match: none of its literals is in the text."""
    if literals is None or lowered is None:
        return True
    return any(literal in lowered for literal in literals)


def _of_sequence(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    """The most selective literal set among the parts every match of the sequence passes."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in items:
        if op is _c.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(frozenset({folded("".join(run))}))
            run = []
        if (inner := _of_part(op, value)) is not None:
            found.append(inner)
    if run:
        found.append(frozenset({folded("".join(run))}))
    # The longest shortest literal, then the fewest: the rarest text to find.
    return max(found, key=lambda s: (min(map(len, s)), -len(s)), default=None)


def _of_part(op: Any, value: Any) -> frozenset[str] | None:
    if op is _c.SUBPATTERN:
        return _of_sequence(value[3])
    if op is _c.BRANCH:
        branches = [_of_sequence(b) for b in value[1]]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*(b for b in branches if b is not None))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and value[0] >= 1:
        return _of_sequence(value[2])
    return None
