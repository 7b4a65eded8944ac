"""A line table printed without rulings, read from word positions (columns by x, rows by y).

The header row names the columns; each data cell belongs to the header cell whose span it
overlaps most, so right-aligned numbers and wide descriptions land in their column. A
"stacked" table prints each item on two rows under a two-row header: every data row is
matched to the header row it fits best, and a row fitting the first starts a new item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parsers.documents.columns import (
    Role,
    decimal_mark,
    is_stop_row,
    read_code,
    read_date,
    read_number,
    read_quantity,
)
from parsers.documents.table import Draft, Header, read_header

LINE_TOLERANCE = 3.0  # points: words this close vertically share a text row
CELL_GAP = 0.6  # of the font size: a wider gap between words starts a new cell
_INF = float("inf")
_NUMERIC = (Role.QUANTITY, Role.PRICE)


@dataclass(frozen=True)
class Cell:
    """Words printed together on one row: their text and horizontal extent."""

    text: str
    x0: float
    x1: float


@dataclass(frozen=True)
class HeaderRow:
    """One header row: its column roles and each column's horizontal region."""

    header: Header
    regions: tuple[tuple[float, float], ...]

    def column(self, cell: Cell) -> int:
        """The column whose region `cell` overlaps most."""
        overlaps = [min(cell.x1, hi) - max(cell.x0, lo) for lo, hi in self.regions]
        return max(range(len(overlaps)), key=lambda i: overlaps[i])


def text_rows(words: Iterable[dict[str, Any]]) -> list[list[Cell]]:
    """Group pdfplumber words into rows (by top) and cells (by the gaps between words)."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= LINE_TOLERANCE:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_cells(sorted(row, key=lambda w: w["x0"])) for row in rows]


def _cells(words: list[dict[str, Any]]) -> list[Cell]:
    cells: list[Cell] = []
    for word in words:
        gap_limit = CELL_GAP * float(word.get("size") or 10.0)
        if cells and word["x0"] - cells[-1].x1 < gap_limit:
            last = cells[-1]
            cells[-1] = Cell(f"{last.text} {word['text']}", last.x0, float(word["x1"]))
        else:
            cells.append(Cell(str(word["text"]), float(word["x0"]), float(word["x1"])))
    return cells


def header_row(cells: Sequence[Cell]) -> HeaderRow:
    """The header named by a row of cells, with column regions split halfway between them."""
    header = read_header([c.text for c in cells])
    bounds = [(cells[i].x1 + cells[i + 1].x0) / 2 for i in range(len(cells) - 1)]
    regions = tuple(zip([-_INF, *bounds], [*bounds, _INF], strict=True))
    return HeaderRow(header, regions)


def _named(row: HeaderRow) -> int:
    return sum(r is not None for r in row.header.roles)


def _header_like(row: HeaderRow) -> bool:
    return _named(row) >= 2 and 3 * _named(row) >= 2 * len(row.header.roles)


def find_header_rows(rows: Sequence[Sequence[Cell]]) -> tuple[int, list[HeaderRow]] | None:
    """The header: one row naming a line table, or two adjacent rows that do together."""
    for index, cells in enumerate(rows):
        first = header_row(cells)
        if first.header.qualifies():
            return index, [first]
        if not _header_like(first) or index + 1 >= len(rows):
            continue
        second = header_row(rows[index + 1])
        both = Header(
            first.header.roles + second.header.roles,
            first.header.currencies + second.header.currencies,
            first.header.languages + second.header.languages,
        )
        if _header_like(second) and both.qualifies():
            return index, [first, second]
    return None


def _fits(role: Role | None, text: str) -> bool:
    """Whether a cell's text is what its column's role holds."""
    if role is Role.CODE:
        return bool(read_code(text)) and any(c.isdigit() or c == "-" for c in text)
    if role is Role.DESCRIPTION:
        return sum(c.isalpha() for c in text) >= 2
    if role is Role.QUANTITY:
        return read_quantity(text)[0] is not None
    if role is Role.PRICE:
        return read_number(text) is not None
    if role is Role.DATE:
        return read_date(text) is not None
    if role is Role.UNIT:
        return text.isalpha() and len(text) <= 6
    return False


def _placed(row: HeaderRow, cells: Sequence[Cell]) -> list[tuple[int, Cell]]:
    """Each cell with its column, kept only where its text fits the column's role."""
    placed = [(row.column(cell), cell) for cell in cells]
    return [(i, c) for i, c in placed if _fits(row.header.roles[i], c.text)]


def _weight(row: HeaderRow, placed: list[tuple[int, Cell]]) -> float:
    """How well a data row fits a header row: any text fits a description, so it counts half."""
    return sum(0.5 if row.header.roles[i] is Role.DESCRIPTION else 1.0 for i, _ in placed)


def read_rows(header: Sequence[HeaderRow], rows: Sequence[Sequence[Cell]]) -> list[Draft]:
    """Read the rows under the header into drafts, until the totals or the text after."""
    items: list[list[tuple[Role, str, str]]] = []
    for cells in rows:
        if not cells:  # a blank line (in a mail body) ends a table that has begun
            if items:
                break
            continue
        if is_stop_row(cells[0].text):
            break
        fits = [_placed(row, cells) for row in header]
        best = max(range(len(header)), key=lambda j: _weight(header[j], fits[j]))
        if not fits[best]:
            if items:  # text below the table: payment terms, notes, the address
                break
            continue
        if best == 0 or not items:
            items.append([])
        named = header[best].header
        items[-1].extend(
            (role, cell.text, named.currencies[column])
            for column, cell in fits[best]
            if (role := named.roles[column]) is not None
        )
    return _without_strays(_drafts(items))


def _drafts(items: list[list[tuple[Role, str, str]]]) -> list[Draft]:
    numbers = [text for cells in items for role, text, _ in cells if role in _NUMERIC]
    decimal = decimal_mark(numbers)
    drafts = []
    for cells in items:
        draft = Draft()
        for role, text, currency in cells:
            draft.fill(role, text, decimal, currency)
        drafts.append(draft)
    return drafts


def _without_strays(drafts: list[Draft]) -> list[Draft]:
    """Join description-only drafts (a wrapped description) onto the line before."""
    kept: list[Draft] = []
    for draft in drafts:
        if draft.is_line() or not kept:
            kept.append(draft)
        else:
            kept[-1].description.extend(draft.description)
    return [d for d in kept if d.is_line()]
