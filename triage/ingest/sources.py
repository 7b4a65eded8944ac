"""Finding mail in paths: single .eml files, folders of them, mbox files and Maildir folders."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from triage.errors import IngestError

_MBOX_SUFFIXES = {".mbox", ".mbx"}
_NOT_MAIL_NAMES = re.compile(r"^(readme|license|licence|copying)(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class MailFile:
    """A file holding one mail, or an mbox holding `count` of them."""

    path: Path
    count: int = 1
    is_mbox: bool = False


def plan(paths: list[Path]) -> list[MailFile]:
    """Every mail file found under the given paths, in a stable order."""
    found: list[MailFile] = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"no such file or folder: {path}")
        found.extend(_files(path))
    return found


def read_mail(files: list[MailFile]) -> Iterator[tuple[str, bytes]]:
    """(position, raw bytes) of every mail in the planned files, one at a time."""
    for file in files:
        if file.is_mbox:
            yield from _mbox_messages(file.path)
            continue
        try:
            raw = file.path.read_bytes()
        except OSError as exc:
            raise IngestError(f"cannot read {file.path}: {exc.strerror}") from exc
        yield str(file.path), raw


def _files(path: Path) -> Iterator[MailFile]:
    if path.is_dir():
        yield from _folder_files(path)
    elif is_mbox(path):
        yield MailFile(path, count=_mbox_count(path), is_mbox=True)
    else:
        yield MailFile(path)


def _folder_files(folder: Path) -> Iterator[MailFile]:
    if is_maildir(folder):
        for sub in ("cur", "new"):
            yield from _folder_files(folder / sub)
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or _NOT_MAIL_NAMES.match(child.name):
            continue
        if child.is_dir() or child.is_file():
            yield from _files(child)


def is_maildir(folder: Path) -> bool:
    """True for a Maildir: a folder with cur/, new/ and tmp/."""
    return all((folder / sub).is_dir() for sub in ("cur", "new", "tmp"))


def is_mbox(path: Path) -> bool:
    """True for an mbox file, known by its name (.mbox, .mbx, mbox).

    Content is no guide: a single saved mail often starts with a From_ line and a bounce
    quotes the original with its own From_ line, so guessing would split real mails."""
    return path.suffix.lower() in _MBOX_SUFFIXES or path.name.lower() == "mbox"


def _open_mbox(path: Path) -> mailbox.mbox:
    try:
        box = mailbox.mbox(path, create=False)
        box.lock = lambda: None  # type: ignore[method-assign]  # read-only: no lock file
        return box
    except OSError as exc:
        raise IngestError(f"cannot read mbox {path}: {exc}") from exc


def _mbox_count(path: Path) -> int:
    box = _open_mbox(path)
    try:
        return len(box)
    finally:
        box.close()


def _mbox_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    box = _open_mbox(path)
    try:
        for index, key in enumerate(box.iterkeys()):
            yield f"{path}#{index}", box.get_bytes(key)
    finally:
        box.close()
