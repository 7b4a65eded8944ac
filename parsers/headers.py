"""Reading headers without trusting them: every failure becomes a defect."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from functools import cached_property

from models import Address, Defect, DefectCode
from parsers.charset import repair_surrogates
from parsers.html import CONTROL_RE

# Printable ASCII only: raw 8-bit bytes in an id would not survive storage as text.
_MSGID_RE = re.compile(r"<([!-;=?-~]{1,900})>")
_WS_RE = re.compile(r"\s+")


class HeaderReader:
    """Reads headers of one message, collecting defects instead of raising."""

    def __init__(self, msg: EmailMessage) -> None:
        self._msg = msg
        self.defects: list[Defect] = []

    def text(self, name: str) -> str:
        """The decoded value of the first header `name`, or '' when absent."""
        values = self.all(name)
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        """Every decoded value of header `name` (RFC 2047 words decoded)."""
        return [self._clean(name, self._decode(name, v)) for v in self.raw(name)]

    def raw(self, name: str) -> list[str]:
        """Every undecoded value of header `name`."""
        return self._index.get(name.lower(), [])

    @cached_property
    def _index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for key, value in self._msg.raw_items():
            index.setdefault(key.lower(), []).append(str(value))
        return index

    def _decode(self, name: str, value: str) -> str:
        if "=?" not in value:
            return value
        try:
            return str(make_header(decode_header(value)))
        except Exception as exc:  # malformed encoded words: keep the raw text
            self.defects.append(Defect(code=DefectCode.HEADER, detail=f"{name}: {exc!r}"))
            return value

    def _clean(self, name: str, value: str) -> str:
        value, repaired = repair_surrogates(value)
        if repaired:
            self.defects.append(Defect(code=DefectCode.HEADER, detail=f"{name}: raw 8-bit bytes"))
        return _WS_RE.sub(" ", CONTROL_RE.sub("", value)).strip()

    def addresses(self, name: str) -> list[Address]:
        """Addresses with display names from every header `name`."""
        values = self.all(name)
        try:
            pairs = getaddresses(values)
        except Exception as exc:  # malformed address lists can break the stdlib
            self.defects.append(Defect(code=DefectCode.BAD_ADDRESS, detail=f"{name}: {exc!r}"))
            return []
        found = [Address(email=addr.strip().lower(), name=disp.strip()) for disp, addr in pairs]
        good = [a for a in found if a.email]
        if values and not good:
            self.defects.append(
                Defect(code=DefectCode.BAD_ADDRESS, detail=f"{name}: {values[0]!r}")
            )
        return good

    def message_ids(self, name: str) -> list[str]:
        """The <...> ids in header `name`, without angle brackets."""
        joined = " ".join(self.raw(name))
        return _MSGID_RE.findall(joined)

    def date(self, name: str = "Date") -> datetime | None:
        """The parsed date of header `name` (aware, UTC when no zone), or None."""
        raw = " ".join(self.raw(name)).strip()
        if not raw:
            return None
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError) as exc:
            self.defects.append(Defect(code=DefectCode.BAD_DATE, detail=f"{raw[:80]!r}: {exc}"))
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
