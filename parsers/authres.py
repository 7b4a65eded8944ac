"""Authentication-Results headers (RFC 8601), read without trusting them.

The parser keeps every well-formed header with its authserv-id; which ids are trusted is the
linker's decision. Comments are dropped, quoted strings kept whole (a `;` or `=` inside quotes
is data), and a header that does not fit the grammar is left out, never raised on. Limits cap
the work a hostile mail can cause.
"""

from __future__ import annotations

from typing import NamedTuple

from models import AuthenticationResults, AuthResult

MAX_HEADERS = 20
MAX_HEADER_CHARS = 8_000
MAX_RESULTS = 50
_SPECIALS = frozenset('=;"()')


class _Token(NamedTuple):
    kind: str  # "word", "quoted", "=" or ";"
    text: str


def parse_authentication_results(values: list[str]) -> tuple[list[AuthenticationResults], int]:
    """The well-formed headers among `values` (topmost first) and how many were malformed."""
    parsed: list[AuthenticationResults] = []
    malformed = 0
    for value in values[:MAX_HEADERS]:
        header = parse_one(value)
        if header is None:
            malformed += 1
        else:
            parsed.append(header)
    return parsed, malformed + max(0, len(values) - MAX_HEADERS)


def parse_one(value: str) -> AuthenticationResults | None:
    """One header's authserv-id and results, or None when it does not fit RFC 8601."""
    if len(value) > MAX_HEADER_CHARS:
        return None
    tokens = _tokens(value)
    if tokens is None:
        return None
    segments = _split(tokens)
    head = segments[0]
    if not head or len(head) > 2 or head[0].kind not in ("word", "quoted"):
        return None
    if len(head) == 2 and not (head[1].kind == "word" and head[1].text.isdigit()):
        return None
    authserv_id = head[0].text.strip().lower()
    rest = segments[1:]
    if not authserv_id or not rest:
        return None
    if len(rest) == 1 and [t.text.lower() for t in rest[0]] == ["none"]:
        return AuthenticationResults(authserv_id=authserv_id)
    # A trailing ";" (common in practice) leaves an empty segment: not a result.
    results = [_result(segment) for segment in rest[:MAX_RESULTS] if segment]
    if any(r is None for r in results):
        return None
    return AuthenticationResults(authserv_id=authserv_id, results=[r for r in results if r])


def _result(segment: list[_Token]) -> AuthResult | None:
    pairs = _pairs(segment)
    if not pairs:
        return None
    (method, result), *props = pairs
    method = method.partition("/")[0].strip().lower()
    if not method or not result:
        return None
    properties: dict[str, str] = {}
    for key, value in props:  # "reason", "ptype.property", and vendors' own ("action")
        properties.setdefault(key.lower(), value)
    return AuthResult(method=method, result=result.lower(), properties=properties)


def _pairs(segment: list[_Token]) -> list[tuple[str, str]] | None:
    """key=value pairs; a quoted local part and its @domain are joined into one value."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(segment):
        window = segment[i : i + 3]
        if len(window) < 3 or window[0].kind != "word" or window[1].kind != "=":
            return None
        if window[2].kind not in ("word", "quoted"):
            return None
        value, i = window[2].text, i + 3
        if window[2].kind == "quoted" and i < len(segment) and segment[i].text.startswith("@"):
            value, i = f"{value}{segment[i].text}", i + 1
        pairs.append((window[0].text, value))
    return pairs


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == ";":
            segments.append([])
        else:
            segments[-1].append(token)
    return segments


def _tokens(value: str) -> list[_Token] | None:
    """Words, quoted strings, '=' and ';' with comments removed; None when unbalanced."""
    tokens: list[_Token] = []
    i, n = 0, len(value)
    while i < n:
        char = value[i]
        if char.isspace():
            i += 1
        elif char == "(":
            end = _comment_end(value, i)
            if end is None:
                return None
            i = end
        elif char == '"':
            quoted = _quoted(value, i)
            if quoted is None:
                return None
            text, i = quoted
            tokens.append(_Token("quoted", text))
        elif char in "=;":
            tokens.append(_Token(char, char))
            i += 1
        elif char == ")":
            return None
        else:
            # A value may hold "=" (base64 in header.b); a key or a method may not.
            stops = _SPECIALS - {"="} if tokens and tokens[-1].kind == "=" else _SPECIALS
            start = i
            while i < n and not value[i].isspace() and value[i] not in stops:
                i += 1
            tokens.append(_Token("word", value[start:i]))
    return tokens


def _comment_end(value: str, i: int) -> int | None:
    """The index after the comment opened at `i` (comments nest; backslash quotes)."""
    depth = 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        i += 1
        if depth == 0:
            return i
    return None


def _quoted(value: str, i: int) -> tuple[str, int] | None:
    """The text of the quoted string opened at `i`, and the index after it."""
    chars: list[str] = []
    i += 1
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            chars.append(value[i + 1])
            i += 2
        elif char == '"':
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    return None
