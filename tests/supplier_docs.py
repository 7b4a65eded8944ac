"""Supplier order confirmations built for tests: text PDFs in three layouts, XLSX, CSV, mail.

Importable without pytest (unit and integration tests, the browser test, the benchmark use
it). `IBERICA_P00021` is Iberica's confirmation of PO P00021 exactly as ordered (see the
stand-in seed); the helpers below derive the variants a buyer must catch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from fpdf import FPDF
from fpdf.enums import EncryptionMethod

LAYOUTS = ("grid", "plain", "stacked")
LANGUAGES = ("en", "es")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ConfirmationLine:
    """One printed line: codes in column order (theirs, then ours or the EAN), and the terms."""

    codes: tuple[str, ...]
    description: str
    qty: float
    unit: str
    price: float
    date: date


_APRIL_7 = date(2025, 4, 7)
IBERICA_P00021: tuple[ConfirmationLine, ...] = (
    ConfirmationLine(("IB-EVO5",), "Aceite de oliva virgen extra 5 L", 40, "UD", 31.0, _APRIL_7),
    ConfirmationLine(("IB-EVO1",), "Aceite de oliva virgen extra 1 L", 120, "UD", 7.2, _APRIL_7),
    ConfirmationLine(("IB-VJ500",), "Vinagre de Jerez 500 ml", 60, "UD", 3.1, _APRIL_7),
    ConfirmationLine(("IB-ACV3",), "Aceitunas verdes 3 kg", 30, "UD", 9.8, _APRIL_7),
    ConfirmationLine(("IB-TOM25",), "Tomate pelado 2,5 kg", 48, "UD", 3.9, _APRIL_7),
)
IBERICA_OUR_REFS = {
    "IB-EVO5": "OLV-5L",
    "IB-EVO1": "OLV-1L",
    "IB-VJ500": "VIN-500",
    "IB-ACV3": "OLI-GRN-3KG",
    "IB-TOM25": "TOM-2.5",
}
IBERICA_EANS = {
    "IB-EVO5": "5412345000013",
    "IB-EVO1": "5412345000051",
    "IB-VJ500": "5412345000068",
    "IB-ACV3": "5412345000075",
    "IB-TOM25": "5412345000044",
}
# Not one of Iberica's codes: an extra line, or what a substitute is printed as.
ECO_OIL_5L = ConfirmationLine(("IB-EVO5-BIO",), "Aceite ecológico 5 L", 40, "UD", 34.5, _APRIL_7)

Lines = Sequence[ConfirmationLine]


def with_our_refs(lines: Lines) -> list[ConfirmationLine]:
    """The lines with our internal reference printed as a second code where known."""
    return [_second_code(line, IBERICA_OUR_REFS) for line in lines]


def with_eans(lines: Lines) -> list[ConfirmationLine]:
    """The lines with the EAN printed as a second code where known."""
    return [_second_code(line, IBERICA_EANS) for line in lines]


def _second_code(line: ConfirmationLine, codes: dict[str, str]) -> ConfirmationLine:
    extra = codes.get(line.codes[0])
    return replace(line, codes=(*line.codes, extra)) if extra else line


def changed(lines: Lines, code: str, **changes: object) -> list[ConfirmationLine]:
    """The lines with the one whose first code is `code` changed (qty=, price=, date=...)."""
    if not any(line.codes[0] == code for line in lines):
        raise KeyError(code)
    return [replace(ln, **changes) if ln.codes[0] == code else ln for ln in lines]  # type: ignore[arg-type]


def short_quantity(lines: Lines, code: str, qty: float) -> list[ConfirmationLine]:
    """One line confirmed with less than ordered."""
    return changed(lines, code, qty=qty)


def price_changed(lines: Lines, code: str, price: float) -> list[ConfirmationLine]:
    """One line confirmed at another price."""
    return changed(lines, code, price=price)


def date_changed(lines: Lines, code: str, when: date) -> list[ConfirmationLine]:
    """One line confirmed for another date."""
    return changed(lines, code, date=when)


def without_line(lines: Lines, code: str) -> list[ConfirmationLine]:
    """The confirmation leaves one line out."""
    kept = [line for line in lines if line.codes[0] != code]
    if len(kept) == len(lines):
        raise KeyError(code)
    return kept


def with_line(lines: Lines, line: ConfirmationLine = ECO_OIL_5L) -> list[ConfirmationLine]:
    """The confirmation adds a line nobody ordered."""
    return [*lines, line]


def substituted(
    lines: Lines, code: str, by: ConfirmationLine = ECO_OIL_5L
) -> list[ConfirmationLine]:
    """One line's product replaced by another (same quantity and date, its own price)."""
    return changed(lines, code, codes=by.codes, description=by.description, price=by.price)


# ---------------------------------------------------------------- printed words and numbers

_WORDS = {
    "en": {
        "title": "ORDER CONFIRMATION", "ours": "Our order no.: IB-SO-88231",
        "yours": "Your order no.: {ref}", "date": "Date: 2025-03-21", "currency": "Currency: {cur}",
        "code0": "Item", "code": "Your ref", "ean": "EAN", "description": "Description",
        "qty": "Qty", "unit": "Unit", "price": "Unit price", "when": "Delivery date",
        "total": "Total", "terms": "Payment terms: 30 days net",
    },
    "es": {
        "title": "CONFIRMACIÓN DE PEDIDO", "ours": "Nuestro pedido: IB-SO-88231",
        "yours": "Your order / Su pedido: {ref}", "date": "Fecha: 21/03/2025",
        "currency": "Moneda: {cur}", "code0": "Referencia", "code": "Su referencia",
        "ean": "EAN", "description": "Descripción", "qty": "Cantidad", "unit": "Unidad",
        "price": "Precio unitario", "when": "Fecha de entrega", "total": "Total",
        "terms": "Forma de pago: 30 días fecha factura",
    },
}  # fmt: skip
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
}
_DATE_STYLES: dict[tuple[str, str], Callable[[date], str]] = {
    ("en", "grid"): date.isoformat,
    ("en", "plain"): lambda d: f"{d.day} {_MONTHS['en'].split()[d.month - 1]} {d.year}",
    ("en", "stacked"): lambda d: d.strftime("%d %b %Y"),
    ("es", "grid"): lambda d: d.strftime("%d/%m/%Y"),
    ("es", "plain"): lambda d: d.strftime("%d/%m/%Y"),
    ("es", "stacked"): lambda d: f"{d.day} {_MONTHS['es'].split()[d.month - 1]} {d.year}",
    ("en", "csv"): date.isoformat,
    ("es", "csv"): lambda d: d.strftime("%d.%m.%Y"),
}


def number(value: float, language: str, decimals: int = 2) -> str:
    """'1,234.50' in English, '1.234,50' in Spanish; quantities without decimals if whole."""
    if decimals == 0 and not float(value).is_integer():
        decimals = 3
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "es" else text


def _code_header(language: str, index: int, code: str) -> str:
    if code.isdigit():
        return _WORDS[language]["ean"]
    return _WORDS[language]["code0" if index == 0 else "code"]


def _total(lines: Lines) -> float:
    return sum(line.qty * line.price for line in lines)


@dataclass(frozen=True)
class _Column:
    header: str
    align: str  # "L" or "R"
    value: Callable[[ConfirmationLine], str]


def _columns(lines: Lines, language: str, layout: str, currency: str) -> list[_Column]:
    words, when = _WORDS[language], _DATE_STYLES[(language, layout)]
    width = max(len(line.codes) for line in lines)
    columns = [
        _Column(_code_header(language, i, lines[0].codes[i] if i < len(lines[0].codes) else "x"),
                "L", lambda ln, i=i: ln.codes[i] if i < len(ln.codes) else "")  # type: ignore[misc]
        for i in range(width)
    ]  # fmt: skip
    columns.append(_Column(words["description"], "L", lambda ln: ln.description))
    if layout == "grid":
        columns.append(_Column(words["qty"], "R", lambda ln: number(ln.qty, language, 0)))
        columns.append(_Column(words["unit"], "L", lambda ln: ln.unit))
    else:
        columns.append(
            _Column(words["qty"], "R", lambda ln: f"{number(ln.qty, language, 0)} {ln.unit}")
        )
    price_header = f"{words['price']} ({currency})" if layout == "plain" else words["price"]
    suffix = f" {currency}" if layout == "stacked" else ""
    columns.append(_Column(price_header, "R", lambda ln: number(ln.price, language) + suffix))
    columns.append(_Column(words["when"], "L", lambda ln: when(ln.date)))
    return columns


# ---------------------------------------------------------------- PDF


def confirmation_pdf(
    lines: Lines, *, layout: str, language: str, reference: str, currency: str = "EUR"
) -> bytes:
    """A text PDF confirmation: 'grid' (ruled), 'plain' (aligned columns) or 'stacked'."""
    if layout not in LAYOUTS or language not in LANGUAGES:
        raise ValueError(f"unknown layout or language: {layout!r}, {language!r}")
    pdf = _new_pdf()
    _title_block(pdf, language, reference, currency)
    columns = _columns(lines, language, layout, currency)
    if layout == "stacked":
        _stacked(pdf, lines, columns)
    else:
        _table(pdf, lines, columns, ruled=layout == "grid")
    words = _WORDS[language]
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 6, f"{words['total']}: {number(_total(lines), language)} {currency}", align="R")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(0, 5, words["terms"])
    return bytes(pdf.output())


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _title_block(pdf: FPDF, language: str, reference: str, currency: str) -> None:
    words = _WORDS[language]
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, "Iberica Olive Oil S.A.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, "Pol. Ind. Los Olivos 12, 41001 Sevilla, Spain", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, words["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    block = [words["ours"], words["date"], words["currency"].format(cur=currency)]
    if reference:
        block.insert(1, words["yours"].format(ref=reference))
    for text in block:
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _widths(pdf: FPDF, lines: Lines, columns: list[_Column], gap: float) -> list[float]:
    """Each column as wide as its widest text plus `gap`; the description takes the rest."""
    widths = []
    for column in columns:
        pdf.set_font("Helvetica", "B", 8)
        head = pdf.get_string_width(column.header)
        pdf.set_font("Helvetica", "", 8)
        body = max(pdf.get_string_width(column.value(ln)) for ln in lines)
        widths.append(max(head, body) + gap)
    spare = 190 - sum(widths)
    if spare < 0:
        raise ValueError("the columns do not fit on the page")
    index = next(i for i, c in enumerate(columns) if c.header in ("Description", "Descripción"))
    widths[index] += spare
    return widths


def _table(pdf: FPDF, lines: Lines, columns: list[_Column], *, ruled: bool) -> None:
    widths = _widths(pdf, lines, columns, gap=4 if ruled else 7)
    border = 1 if ruled else 0
    pdf.set_font("Helvetica", "B", 8)
    for column, width in zip(columns, widths, strict=True):
        pdf.cell(width, 6, column.header, border=border, align=column.align)
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 8)
    for line in lines:
        for column, width in zip(columns, widths, strict=True):
            pdf.cell(width, 6, column.value(line), border=border, align=column.align)
        pdf.ln(6)


def _stacked(pdf: FPDF, lines: Lines, columns: list[_Column]) -> None:
    """Codes and description on one row; quantity, price and date indented on the next."""
    split = next(i for i, c in enumerate(columns) if c.header in ("Description", "Descripción"))
    first, second = columns[: split + 1], columns[split + 1 :]
    first_widths = [28.0] * split + [190 - 28.0 * split]
    indent = 10 + 28.0 * split
    second_widths = [30.0, 35.0, 40.0]
    # The date starts a clear gap after the right-aligned price, as a printed form does.
    second = [*second[:-1], _Column(second[-1].header, "C", second[-1].value)]
    for row, widths in ((first, first_widths), (second, second_widths)):
        pdf.set_font("Helvetica", "B", 8)
        if row is second:
            pdf.set_x(indent)
        for column, width in zip(row, widths, strict=True):
            pdf.cell(width, 5, column.header, align=column.align)
        pdf.ln(5)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    for line in lines:
        for column, width in zip(first, first_widths, strict=True):
            pdf.cell(width, 5, column.value(line), align=column.align)
        pdf.ln(5)
        pdf.set_x(indent)
        for column, width in zip(second, second_widths, strict=True):
            pdf.cell(width, 5, column.value(line), align=column.align)
        pdf.ln(7)


def encrypted_pdf(lines: Lines = IBERICA_P00021, password: str = "secret") -> bytes:
    """A confirmation that needs a password to open."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    for line in lines:
        pdf.cell(0, 6, f"{line.codes[0]}  {line.description}  {line.qty}", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    pdf.set_encryption(owner_password="owner", user_password=password,
                       encryption_method=EncryptionMethod.AES_128)  # fmt: skip
    return bytes(pdf.output())


def scanned_pdf(lines: Lines = IBERICA_P00021, reference: str = "P00021") -> bytes:
    """A PDF whose only page is a picture of a confirmation: no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), color=255)
    draw = ImageDraw.Draw(image)
    rows = ["Iberica Olive Oil S.A.", "ORDER CONFIRMATION", f"Your order: {reference}", ""]
    rows += [f"{ln.codes[0]:<12}{ln.description:<40}{ln.qty:>8} {ln.price:>8.2f}" for ln in lines]
    for index, text in enumerate(rows):
        draw.text((80, 80 + 28 * index), text, fill=0)
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


# ---------------------------------------------------------------- spreadsheets


def _sheet_rows(lines: Lines, language: str, *, typed: bool) -> list[list[object]]:
    """Header and line rows; `typed` keeps numbers and dates as values, not text."""
    words, when = _WORDS[language], _DATE_STYLES[(language, "csv")]
    width = max(len(line.codes) for line in lines)
    header: list[object] = [_code_header(language, i, lines[0].codes[i]) for i in range(width)]
    header += [words["description"], words["qty"], words["unit"], words["price"], words["when"]]
    rows = [header]
    for line in lines:
        codes: list[object] = [*line.codes, *[""] * (width - len(line.codes))]
        if typed:
            codes = [int(c) if isinstance(c, str) and c.isdigit() else c for c in codes]
            values: list[object] = [line.qty, line.unit, line.price, line.date]
        else:
            values = [number(line.qty, language, 0), line.unit, number(line.price, language),
                      when(line.date)]  # fmt: skip
        rows.append([*codes, line.description, *values])
    return rows


def _title_rows(language: str, reference: str, currency: str) -> list[list[object]]:
    words = _WORDS[language]
    rows: list[list[object]] = [["Iberica Olive Oil S.A."], [words["title"]]]
    rows.append([words["ours"].split(":")[0] + ":", "IB-SO-88231"])
    if reference:
        rows.append([words["yours"].split(":")[0] + ":", reference])
    rows.append([words["currency"].split(":")[0] + ":", currency])
    return [*rows, []]


def confirmation_xlsx(
    lines: Lines, *, language: str, reference: str, currency: str = "EUR"
) -> bytes:
    """An XLSX confirmation: a title block, then the table with real numbers and dates."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Confirmation"
    for row in _title_rows(language, reference, currency):
        sheet.append(row)
    for row in _sheet_rows(lines, language, typed=True):
        sheet.append([datetime(v.year, v.month, v.day) if isinstance(v, date) else v for v in row])
    sheet.append([])
    sheet.append([_WORDS[language]["total"], None, None, None, None, _total(lines)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def confirmation_csv(
    lines: Lines, *, language: str, reference: str, currency: str = "EUR"
) -> bytes:
    """A CSV confirmation: ',' and UTF-8 with BOM in English; ';' and Latin-1 in Spanish."""
    delimiter, encoding = (",", "utf-8-sig") if language == "en" else (";", "latin-1")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerows(_title_rows(language, reference, currency))
    writer.writerows(_sheet_rows(lines, language, typed=False))
    return out.getvalue().encode(encoding)


# ---------------------------------------------------------------- mail


def confirmation_mail(
    attachments: Sequence[tuple[str, str, bytes]],
    body: str,
    *,
    sender: str = "Carlos Ruiz <carlos.ruiz@iberica-oil.example>",
    subject: str = "Order confirmation P00021",
    message_id: str = "<confirmation-p00021@iberica-oil.example>",
) -> bytes:
    """A multipart mail with `body` as its text and each (name, content type, bytes) attached."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "purchasing@northwind.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(datetime(2025, 3, 21, 9, 30).astimezone())
    message.set_content(body)
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
