"""Spreadsheets (XLSX with openpyxl, CSV with the csv module) to supplier documents."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from models import DocumentKind, SupplierDocument
from parsers.documents.columns import cell_text
from parsers.documents.document import build_document, defective
from parsers.documents.table import read_table

MAX_ROWS = 5_000
MAX_COLUMNS = 100
# An XLSX whose parts unpack to more than this is a zip bomb, or too big to be a confirmation.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
_CSV_DELIMITERS = ";,\t|"


class TooManyRows(Exception):
    """The sheet has more rows than a confirmation could."""


def read_xlsx(name: str, data: bytes) -> SupplierDocument:
    """Read the first sheet of an XLSX that holds a line table."""
    problem = _zip_problem(data)
    if problem:
        return defective(name, DocumentKind.XLSX, problem)
    import openpyxl  # deferred: only mail with a spreadsheet pays for the import

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; we want values.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = [_sheet_rows(sheet.iter_rows(values_only=True)) for sheet in book]
            finally:
                book.close()
    except TooManyRows:
        return defective(name, DocumentKind.XLSX, f"over {MAX_ROWS} rows: not read")
    except Exception as exc:  # openpyxl raises anything on a broken file: report it, not crash
        return defective(name, DocumentKind.XLSX, f"broken XLSX: {_reason(exc)}")
    return _first_table(name, DocumentKind.XLSX, sheets)


def read_csv(name: str, data: bytes) -> SupplierDocument:
    """Read a CSV line table, ';' or ',' separated, UTF-8 (with or without BOM) or Latin-1."""
    text = _decode(data)
    delimiter = _delimiter(text[:8192])
    try:
        rows = _sheet_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except TooManyRows:
        return defective(name, DocumentKind.CSV, f"over {MAX_ROWS} rows: not read")
    except csv.Error as exc:
        return defective(name, DocumentKind.CSV, f"broken CSV: {exc}")
    return _first_table(name, DocumentKind.CSV, [rows])


def _zip_problem(data: bytes) -> str:
    """Why an XLSX must not be opened ('' when it may): not a zip, or a zip bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"broken XLSX: not a zip archive ({exc})"
    if len(members) > MAX_ZIP_MEMBERS:
        return f"XLSX with {len(members)} parts: not read"
    unzipped = sum(m.file_size for m in members)
    if unzipped > MAX_UNZIPPED_BYTES:
        return f"XLSX unpacks to {unzipped} bytes (over {MAX_UNZIPPED_BYTES}): not read"
    if any(m.flag_bits & 0x1 for m in members):
        return "encrypted XLSX: not read"
    return ""


def _sheet_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """The rows as lists, trailing empty cells cut; raises TooManyRows past the limit."""
    kept: list[list[Any]] = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TooManyRows
        cells = list(row[:MAX_COLUMNS])
        while cells and cell_text(cells[-1]) == "":
            cells.pop()
        kept.append(cells)
    return kept


def _first_table(name: str, kind: DocumentKind, sheets: list[list[list[Any]]]) -> SupplierDocument:
    """The document of the first sheet with a line table; the title block gives the rest."""
    for rows in sheets:
        found = read_table(rows)
        if found is None:
            continue
        header, drafts = found
        text = "\n".join(" ".join(cell_text(c) for c in row if c is not None) for row in rows)
        return build_document(name, kind, drafts, text, header.languages)
    return defective(name, kind, "no line table found")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in _CSV_DELIMITERS}
        return max(counts, key=lambda d: counts[d])


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
