"""Finding mail in paths: single .eml files, folders of them, mbox files and Maildir folders."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from triage.errors import IngestError

_MBOX_SUFFIXES = {".mbox", ".mbx"}
# A real mbox separator: "From sender weekday month day time year" after a blank line.
_FROM_LINE_RE = re.compile(rb"\n\n?From \S+ +\w{3} \w{3} +\d")
_NOT_MAIL_NAMES = re.compile(r"^(readme|license|licence|copying)(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class MailItem:
    """One mail to ingest: where it is and how to read its bytes."""

    position: str
    read: Callable[[], bytes]


def expand(paths: list[Path]) -> list[MailItem]:
    """Every mail found under the given paths, in a stable order."""
    items: list[MailItem] = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"no such file or folder: {path}")
        items.extend(_items(path))
    return items


def _items(path: Path) -> Iterator[MailItem]:
    if path.is_dir():
        yield from _folder_items(path)
    elif is_mbox(path):
        yield from _mbox_items(path)
    else:
        yield MailItem(str(path), path.read_bytes)


def _folder_items(folder: Path) -> Iterator[MailItem]:
    if is_maildir(folder):
        for sub in ("cur", "new"):
            yield from _folder_items(folder / sub)
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or _NOT_MAIL_NAMES.match(child.name):
            continue
        if child.is_dir() or child.is_file():
            yield from _items(child)


def is_maildir(folder: Path) -> bool:
    """True for a Maildir: a folder with cur/, new/ and tmp/."""
    return all((folder / sub).is_dir() for sub in ("cur", "new", "tmp"))


def is_mbox(path: Path) -> bool:
    """True for an mbox file: by its name, or a From_ line followed by another one."""
    if path.suffix.lower() in _MBOX_SUFFIXES or path.name == "mbox":
        return True
    with path.open("rb") as handle:
        head = handle.read(1024 * 1024)
    return head.startswith(b"From ") and _FROM_LINE_RE.search(head) is not None


def _mbox_items(path: Path) -> Iterator[MailItem]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
    except OSError as exc:
        raise IngestError(f"cannot read mbox {path}: {exc}") from exc
    for index, key in enumerate(keys):
        yield MailItem(f"{path}#{index}", _mbox_reader(box, key))


def _mbox_reader(box: mailbox.mbox, key: str) -> Callable[[], bytes]:
    def read() -> bytes:
        return box.get_bytes(key)

    return read
