"""A line table as rows of cells (from a spreadsheet, a ruled PDF table or the body) to lines."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from models import DocumentLine
from parsers.documents.columns import (
    Role,
    cell_text,
    decimal_mark,
    find_currency,
    header_currency,
    header_role,
    is_stop_row,
    read_date,
    read_number,
    read_quantity,
)

MAX_CODE_CHARS = 40
_KEY_ROLES = frozenset({Role.CODE, Role.DESCRIPTION})


@dataclass(frozen=True)
class Header:
    """The roles of a table's columns, as its header row names them."""

    roles: tuple[Role | None, ...]
    currencies: tuple[str, ...]
    languages: Counter[str]

    def qualifies(self) -> bool:
        """A line table names a quantity and a product (code or description) at least."""
        named = {r for r in self.roles if r is not None and r is not Role.IGNORED}
        return Role.QUANTITY in named and bool(named & _KEY_ROLES) and len(named) >= 3


def read_header(cells: Sequence[object]) -> Header:
    """Name the role of each cell of a row (None for cells that name no known column)."""
    roles: list[Role | None] = []
    currencies: list[str] = []
    languages: Counter[str] = Counter()
    for cell in cells:
        text = cell_text(cell) if not isinstance(cell, str) else cell
        found = header_role(text) if text and len(text) <= 60 else None
        roles.append(found[0] if found else None)
        currencies.append(header_currency(text) if found else "")
        if found:
            languages.update(found[1])
    return Header(tuple(roles), tuple(currencies), languages)


@dataclass
class Draft:
    """A line being read: filled cell by cell, frozen into a `DocumentLine` at the end."""

    codes: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    quantity: float | None = None
    unit: str = ""
    price: float | None = None
    currency: str = ""
    date: dt.date | None = None

    def is_line(self) -> bool:
        """A row is a line when it names a product code or a quantity."""
        return bool(self.codes) or self.quantity is not None

    def fill(self, role: Role, value: object, decimal: str | None, currency: str = "") -> None:
        """Read one cell into the field its column's role names."""
        text = cell_text(value)
        if not text or role is Role.IGNORED:
            return
        if role is Role.CODE and len(text) <= MAX_CODE_CHARS:
            self.codes.append(text)
        elif role is Role.DESCRIPTION:
            self.description.append(text)
        elif role is Role.QUANTITY and self.quantity is None:
            self._fill_quantity(value, text, decimal)
        elif role is Role.UNIT and not self.unit:
            self.unit = text
        elif role is Role.PRICE and self.price is None:
            self._fill_price(value, text, decimal, currency)
        elif role is Role.CURRENCY and not self.currency:
            self.currency = find_currency(text) or text.upper()[:3]
        elif role is Role.DATE and self.date is None:
            self.date = read_date(value)

    def _fill_quantity(self, value: object, text: str, decimal: str | None) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.quantity = float(value)
            return
        self.quantity, unit = read_quantity(text, decimal)
        self.unit = self.unit or unit

    def _fill_price(self, value: object, text: str, decimal: str | None, currency: str) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.price = float(value)
        else:
            self.price = read_number(text, decimal)
        self.currency = self.currency or find_currency(text) or currency

    def line(self, position: int, currency: str, default_date: dt.date | None) -> DocumentLine:
        """The finished line, numbered `position`, with the document's currency as default."""
        return DocumentLine(
            position=position,
            codes=self.codes,
            description=" ".join(self.description),
            quantity=self.quantity,
            unit=self.unit,
            unit_price=self.price,
            currency=self.currency or (currency if self.price is not None else ""),
            date=self.date or default_date,
        )


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, Header] | None:
    """The first row that names a line table's columns, with its index."""
    for index, row in enumerate(rows):
        header = read_header(row)
        if header.qualifies():
            return index, header
    return None


def numeric_samples(header: Header, rows: Sequence[Sequence[object]]) -> list[str]:
    """The printed quantity and price cells, for guessing the decimal mark."""
    wanted = {i for i, r in enumerate(header.roles) if r in (Role.QUANTITY, Role.PRICE)}
    return [
        cell for row in rows for i, cell in enumerate(row) if i in wanted and isinstance(cell, str)
    ]


def read_rows(header: Header, rows: Sequence[Sequence[object]]) -> list[Draft]:
    """Read the rows under a header into drafts, until the totals or a footer."""
    decimal = decimal_mark(numeric_samples(header, rows))
    drafts: list[Draft] = []
    for row in rows:
        texts = [cell_text(c) for c in row]
        first = next((t for t in texts if t), "")
        if not first:
            continue
        if is_stop_row(first):
            break
        if read_header(row).qualifies():  # the header repeated on a later page
            continue
        draft = Draft()
        for role, currency, value in zip(header.roles, header.currencies, row, strict=False):
            if role is not None:
                draft.fill(role, value, decimal, currency)
        if draft.is_line():
            drafts.append(draft)
        elif drafts and draft.description:  # a description wrapped onto its own row
            drafts[-1].description.extend(draft.description)
    return drafts


def read_table(rows: Sequence[Sequence[object]]) -> tuple[Header, list[Draft]] | None:
    """Find the header in `rows` and read the lines under it; None when there is none."""
    found = find_header(rows)
    if found is None:
        return None
    index, header = found
    return header, read_rows(header, rows[index + 1 :])
