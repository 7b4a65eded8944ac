"""A cap on MIME nesting before the stdlib parses a mail.

The stdlib's feed parser nests one generator per multipart or message level and passes every
line through all of them: its cost grows with depth x lines, and past about 990 levels it
raises RecursionError. One linear pass over the container headers and boundary lines here
estimates the nesting, and the mail is cut before the header that passes the cap, so the
parser sees the outer levels only and the walker records how deep the mail went.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE_RE = re.compile(
    rb"^(?:content-type:[ \t]*(multipart|message)/([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)|--([^\r\n]+))",
    re.IGNORECASE | re.MULTILINE,
)
_BOUNDARY_RE = re.compile(rb"""boundary\s*=\s*(?:"([^"]*)"|([^\s;"]+))""", re.IGNORECASE)


@dataclass
class _Containers:
    """The estimated stack of open multipart (by boundary) and message containers."""

    stack: list[bytes | None] = field(default_factory=list)
    where: dict[bytes, list[int]] = field(default_factory=dict)

    def push(self, boundary: bytes | None) -> None:
        """Open a container: a multipart with its boundary, or a message (None)."""
        if boundary is not None:
            self.where.setdefault(boundary, []).append(len(self.stack))
        self.stack.append(boundary)

    def delimiter(self, line: bytes) -> None:
        """A boundary line ends what was open inside its multipart (and, closing, it too)."""
        text = line.rstrip()
        if self.where.get(text):
            self._pop_to(self.where[text][-1] + 1)
        elif text.endswith(b"--") and self.where.get(text[:-2]):
            self._pop_to(self.where[text[:-2]][-1])

    def _pop_to(self, size: int) -> None:
        while len(self.stack) > size:
            boundary = self.stack.pop()
            if boundary is not None:
                self.where[boundary].pop()


def cut_mime_nesting(raw: bytes, max_depth: int) -> tuple[bytes, str]:
    """The mail cut before the container header nested deeper than `max_depth`, and why
    ('' when it is whole)."""
    open_ = _Containers()
    for found in _LINE_RE.finditer(raw):
        kind, params, delimiter = found.groups()
        if delimiter is not None:
            open_.delimiter(delimiter)
            continue
        if kind.lower() == b"multipart":
            boundary = _BOUNDARY_RE.search(params)
            if boundary is None:
                continue  # the stdlib reads a multipart without a boundary as text
            open_.push(boundary.group(1) if boundary.group(1) is not None else boundary.group(2))
        else:
            open_.push(None)
        if len(open_.stack) > max_depth:
            return raw[: found.start()], f"MIME nested deeper than {max_depth}: cut before parsing"
    return raw, ""
