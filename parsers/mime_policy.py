"""The stdlib's modern email policy, with parsed header objects reused across messages.

`email.policy.default` parses a header into its structured object on every access, and the
feed parser asks for Content-Type several times per part: on real mail that is most of the
parse time. The objects are immutable, so the same (name, value) gives the same object; a
bounded cache of short values makes the stdlib parse several times faster and changes no
result (tests/unit/test_mime_policy.py compares both on the whole corpus).
"""

from __future__ import annotations

from email.policy import EmailPolicy, default
from functools import lru_cache
from typing import Any

MAX_CACHED_CHARS = 1_000  # a hostile long header is parsed, not kept


@lru_cache(maxsize=4_096)
def _parsed(name: str, value: str) -> Any:
    return default.header_fetch_parse(name, value)


class CachedHeaderPolicy(EmailPolicy):
    """`email.policy.default` whose header objects come from a shared bounded cache."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        """The structured header object for a stored (name, value) pair."""
        if hasattr(value, "name") or len(value) > MAX_CACHED_CHARS:
            return default.header_fetch_parse(name, value)
        return _parsed(name, value)


CACHED = CachedHeaderPolicy()
