"""Turning bytes of unknown or wrongly declared charset into text, saying what was done."""

from __future__ import annotations

import codecs

from models import Defect, DefectCode

# Names seen in real mail that Python's codec registry does not know; a guess, so
# decoding with one is still reported as a fallback.
_GUESSES = {
    "uft-8": "utf-8",
    "utf8mb4": "utf-8",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "x-mac-roman": "mac_roman",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
}
_FALLBACKS = ("utf-8", "cp1252", "latin-1")


def known_codec(charset: str | None) -> str | None:
    """The Python codec name for a declared charset, or None when it is unknown."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip("\"'").lower()).name
    except (LookupError, ValueError):
        return None


def decode_text(data: bytes, declared: str | None) -> tuple[str, Defect | None]:
    """Decode with the declared charset, then utf-8, cp1252, latin-1; report any fallback."""
    codec = known_codec(declared)
    if codec is not None:
        try:
            return data.decode(codec), None
        except (UnicodeError, LookupError):  # e.g. "undefined" and "punycode" raise UnicodeError
            pass
    guess = _GUESSES.get((declared or "").strip().strip("\"'").lower())
    for fallback in ((guess,) if codec is None and guess else ()) + _FALLBACKS:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        if declared is None and fallback == "utf-8":
            return text, None
        if codec == codecs.lookup(fallback).name:
            continue
        return text, _fallback_defect(declared, codec, fallback)
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _fallback_defect(declared: str | None, codec: str | None, used: str) -> Defect:
    why = "unknown charset" if codec is None else "bytes do not match charset"
    return Defect(
        code=DefectCode.CHARSET_FALLBACK,
        detail=f"{why} {declared or 'none'!r}; decoded as {used}",
    )


def repair_surrogates(text: str) -> tuple[str, bool]:
    """Re-decode raw 8-bit bytes that the stdlib kept as surrogate escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text, False
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates outside the escape range
        return text.encode("utf-8", "replace").decode("utf-8"), True
    decoded, _ = decode_text(raw, None)
    return decoded, True
