"""Supplier confirmations read back from PDF, XLSX, CSV and the body exactly as written."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from fpdf import FPDF

from models import DocumentKind, DocumentLine, SupplierDocument
from parsers.documents import (
    MAX_ATTACHMENT_BYTES,
    MAX_PAGES,
    MAX_ROWS,
    SCANNED,
    attachment_kind,
    read_attachment,
    read_body,
    supplier_documents,
)
from parsers.documents.columns import Role, header_role, read_date, read_number, read_quantity
from tests import supplier_docs as sd

PDF = "application/pdf"


def _expected(lines: sd.Lines) -> list[tuple[object, ...]]:
    return [(list(ln.codes), ln.description, ln.qty, ln.unit, ln.price, ln.date) for ln in lines]


def _read(lines: list[DocumentLine]) -> list[tuple[object, ...]]:
    return [
        (ln.codes, ln.description, ln.quantity, ln.unit, ln.unit_price, ln.date) for ln in lines
    ]


def _assert_reads_back(document: SupplierDocument | None, lines: sd.Lines, language: str) -> None:
    assert document is not None
    assert document.defect == ""
    assert _read(document.lines) == _expected(lines)
    assert [ln.position for ln in document.lines] == list(range(1, len(lines) + 1))
    assert document.reference == "P00021"
    assert document.currency == "EUR"
    assert {ln.currency for ln in document.lines} == {"EUR"}
    assert document.language == language


CODE_VARIANTS = {
    "theirs": lambda lines: list(lines),
    "ours": sd.with_our_refs,
    "ean": sd.with_eans,
}


@pytest.mark.parametrize("codes", sorted(CODE_VARIANTS))
@pytest.mark.parametrize("language", sd.LANGUAGES)
@pytest.mark.parametrize("layout", sd.LAYOUTS)
def test_pdf_layouts_read_back_exactly(layout: str, language: str, codes: str) -> None:
    lines = CODE_VARIANTS[codes](sd.IBERICA_P00021)
    data = sd.confirmation_pdf(lines, layout=layout, language=language, reference="P00021")
    document = read_attachment("confirmation.pdf", PDF, data)
    _assert_reads_back(document, lines, language)
    assert document is not None and document.kind is DocumentKind.PDF


VARIANTS = {
    "short": lambda ls: sd.short_quantity(ls, "IB-EVO1", 96),
    "price_up": lambda ls: sd.price_changed(ls, "IB-EVO5", 33.25),
    "later": lambda ls: sd.date_changed(ls, "IB-VJ500", date(2025, 4, 22)),
    "missing": lambda ls: sd.without_line(ls, "IB-ACV3"),
    "extra": sd.with_line,
    "substituted": lambda ls: sd.substituted(ls, "IB-EVO5"),
    "thousands": lambda ls: sd.changed(ls, "IB-TOM25", qty=1200, price=1234.5),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("layout", sd.LAYOUTS)
def test_variants_read_back_exactly(layout: str, variant: str) -> None:
    lines = VARIANTS[variant](sd.with_our_refs(sd.IBERICA_P00021))
    assert lines != list(sd.with_our_refs(sd.IBERICA_P00021))
    for language in sd.LANGUAGES:
        data = sd.confirmation_pdf(lines, layout=layout, language=language, reference="P00021")
        _assert_reads_back(read_attachment("c.pdf", PDF, data), lines, language)


@pytest.mark.parametrize("language", sd.LANGUAGES)
def test_xlsx_reads_real_numbers_and_dates(language: str) -> None:
    lines = sd.with_line(sd.with_eans(sd.IBERICA_P00021))
    data = sd.confirmation_xlsx(lines, language=language, reference="P00021")
    document = read_attachment("confirmation.xlsx", sd.XLSX_TYPE, data)
    _assert_reads_back(document, lines, language)


@pytest.mark.parametrize("language", sd.LANGUAGES)
def test_csv_reads_either_delimiter_and_encoding(language: str) -> None:
    lines = VARIANTS["thousands"](sd.with_our_refs(sd.IBERICA_P00021))
    data = sd.confirmation_csv(lines, language=language, reference="P00021")
    document = read_attachment("confirmation.csv", "application/octet-stream", data)
    _assert_reads_back(document, lines, language)


def test_currency_other_than_euro() -> None:
    data = sd.confirmation_pdf(sd.IBERICA_P00021, layout="plain", language="en",
                               reference="P00021", currency="USD")  # fmt: skip
    document = read_attachment("c.pdf", PDF, data)
    assert document is not None and document.currency == "USD"
    assert {ln.currency for ln in document.lines} == {"USD"}


BODIES = {
    "pipe": """Hello Piet,

| Item | Description | Qty | Unit price | Delivery date |
|------|-------------|-----|------------|---------------|
| IB-EVO5 | Aceite 5 L | 40 | 31.00 EUR | 2025-04-07 |
| IB-EVO1 | Aceite 1 L | 1,200 | 7.20 EUR | 2025-04-07 |

Your order: P00021""",
    "tab": "Su pedido: P00021\n\nReferencia\tCantidad\tPrecio\tFecha de entrega\n"
    "IB-EVO5\t40\t31,00 €\t07/04/2025\nIB-EVO1\t1.200\t7,20 €\t07.04.2025\n",
    "spaced": """Dear Piet, we confirm your order P00021:

Art.-Nr.     Bezeichnung                 Menge     Einzelpreis   Liefertermin
IB-EVO5      Aceite 5 L                  40 ST      31,00 EUR    07.04.2025
IB-EVO1      Aceite 1 L               1.200 ST       7,20 EUR    7 April 2025

Mit freundlichen Grüßen""",
    "items": """Confirmed for P00021:
40 x IB-EVO5 at 31.00 EUR, delivery 2025-04-07
- 1200 x IB-EVO1 (Aceite 1 L) @ € 7.20, 7 April 2025
Thanks""",
}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_body_tables(kind: str) -> None:
    document = read_body(BODIES[kind])
    assert document is not None and document.kind is DocumentKind.BODY
    assert document.reference == "P00021"
    read = [(ln.codes, ln.quantity, ln.unit_price, ln.currency, ln.date) for ln in document.lines]
    assert read == [
        (["IB-EVO5"], 40, 31.0, "EUR", date(2025, 4, 7)),
        (["IB-EVO1"], 1200, 7.2, "EUR", date(2025, 4, 7)),
    ]  # fmt: skip


def test_body_units_and_descriptions() -> None:
    spaced = read_body(BODIES["spaced"])
    assert spaced is not None and spaced.language == "de"
    assert [(ln.description, ln.unit) for ln in spaced.lines] == [
        ("Aceite 5 L", "ST"),
        ("Aceite 1 L", "ST"),
    ]
    items = read_body(BODIES["items"])
    assert items is not None and [ln.description for ln in items.lines] == ["", "Aceite 1 L"]


@pytest.mark.parametrize(
    "text", ["Thanks for your order, we will ship next week.", "", "Qty 40 please\n\n-- \nCarlos"]
)
def test_body_without_a_line_table_is_none(text: str) -> None:
    assert read_body(text) is None


def test_scanned_pdf_is_said_so_and_not_guessed() -> None:
    document = read_attachment("scan.pdf", PDF, sd.scanned_pdf())
    assert document is not None
    assert document.defect == SCANNED == "scanned PDF: no text layer, not read"
    assert document.lines == []


def _grid_pdf() -> bytes:
    return sd.confirmation_pdf(sd.IBERICA_P00021, layout="grid", language="en", reference="P1")


def _many_pages(count: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _ in range(count):
        pdf.add_page()
        pdf.cell(0, 10, "Item  Qty")
    return bytes(pdf.output())


def _many_rows(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Item", "Description", "Qty"])
    writer.writerows([f"IB-{i}", "x", "1"] for i in range(count))
    return out.getvalue().encode()


def _zip_bomb() -> bytes:
    """A few hundred kilobytes that unpack to 150 MB."""
    out = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(150):
                member.write(chunk)
    return out.getvalue()


HOSTILE = {
    "encrypted": ("e.pdf", PDF, sd.encrypted_pdf, "encrypted PDF: "),
    "truncated": ("t.pdf", PDF, lambda: _grid_pdf()[: len(_grid_pdf()) // 2], "broken PDF: "),
    "not a pdf": ("n.pdf", PDF, lambda: b"%PDF-1.7\n garbage", "broken PDF: "),
    "not a zip": ("n.xlsx", sd.XLSX_TYPE, lambda: b"PK? not really", "broken XLSX: "),
    "broken xlsx": ("b.xlsx", sd.XLSX_TYPE, lambda: _tiny_zip(), "broken XLSX: "),
    "zip bomb": ("z.xlsx", sd.XLSX_TYPE, _zip_bomb, "XLSX unpacks to "),
    "oversized": ("big.pdf", PDF, lambda: b"%PDF" + b" " * MAX_ATTACHMENT_BYTES, "attachment of "),
    "pages": ("p.pdf", PDF, lambda: _many_pages(MAX_PAGES + 1), "PDF of 51 pages"),
    "rows": ("r.csv", "text/csv", lambda: _many_rows(MAX_ROWS), f"over {MAX_ROWS} rows"),
}


def _tiny_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_attachments_give_a_defect(case: str) -> None:
    name, content_type, build, defect = HOSTILE[case]
    document = read_attachment(name, content_type, build())
    assert document is not None
    assert document.defect.startswith(defect), document.defect
    assert document.lines == []


def test_a_pdf_without_a_table_says_so() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 10, "Thank you for your order P00021. Invoice follows.")
    document = read_attachment("letter.pdf", PDF, bytes(pdf.output()))
    assert document is not None and document.defect == "no line table found"
    assert document.reference == "P00021"


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("c.pdf", "application/octet-stream", DocumentKind.PDF),
        ("C.XLSX", "application/octet-stream", DocumentKind.XLSX),
        ("c.csv", "application/octet-stream", DocumentKind.CSV),
        ("noname", "text/csv; charset=utf-8", DocumentKind.CSV),
        ("logo.png", "image/png", None),
        ("terms.docx", "application/octet-stream", None),
    ],
)
def test_attachment_kinds(name: str, content_type: str, kind: DocumentKind | None) -> None:
    assert attachment_kind(name, content_type) is kind


def test_other_attachments_are_not_read() -> None:
    assert read_attachment("logo.png", "image/png", b"\x89PNG\r\n") is None
    assert read_attachment("terms.docx", "application/octet-stream", b"PK") is None


def test_supplier_documents_finds_every_attachment_and_the_body() -> None:
    lines = sd.with_our_refs(sd.IBERICA_P00021)
    attachments = [
        ("confirmation.pdf", PDF, sd.confirmation_pdf(lines, layout="plain", language="es",
                                                      reference="P00021")),
        ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("confirmation.xlsx", sd.XLSX_TYPE, sd.confirmation_xlsx(lines, language="en",
                                                                 reference="P00021")),
        ("lines.csv", "text/csv", sd.confirmation_csv(lines, language="es", reference="P00021")),
        ("scan.pdf", PDF, sd.scanned_pdf()),
    ]  # fmt: skip
    body = "Hola Piet,\n\n40 x IB-EVO5 at 31.00 EUR, delivery 2025-04-07\n\nSaludos,\nCarlos\n"
    documents = supplier_documents(sd.confirmation_mail(attachments, body))
    assert [(d.source, d.kind, len(d.lines), d.defect) for d in documents] == [
        ("confirmation.pdf", DocumentKind.PDF, 5, ""),
        ("confirmation.xlsx", DocumentKind.XLSX, 5, ""),
        ("lines.csv", DocumentKind.CSV, 5, ""),
        ("scan.pdf", DocumentKind.PDF, 0, SCANNED),
        ("body", DocumentKind.BODY, 1, ""),
    ]
    assert _read(documents[0].lines) == _expected(lines)


def test_supplier_documents_on_plain_prose_finds_nothing() -> None:
    raw = sd.confirmation_mail([], "Thanks, we received your order and will confirm soon.")
    assert supplier_documents(raw) == []


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1.234,56", None, 1234.56),
        ("1,234.56", None, 1234.56),
        ("31,00", None, 31.0),
        ("31.00 EUR", None, 31.0),
        ("€ 31,00", None, 31.0),
        ("1,234", None, 1234.0),
        ("1,234", ",", 1.234),
        ("1.200", ",", 1200.0),
        ("7.2", None, 7.2),
        ("1.234.567", None, 1234567.0),
        ("1 234,5", None, 1234.5),
        ("P00021", None, None),
        ("07/04/2025", None, None),
    ],
)
def test_read_number(text: str, decimal: str | None, value: float | None) -> None:
    assert read_number(text, decimal) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [("40", (40.0, "")), ("40,0", (40.0, "")), ("40 ST", (40.0, "ST")),
     ("40 pcs", (40.0, "pcs")), ("1.200 UD", (1200.0, "UD")), ("ST", (None, ""))],
)  # fmt: skip
def test_read_quantity(text: str, expected: tuple[float | None, str]) -> None:
    assert read_quantity(text) == expected


@pytest.mark.parametrize(
    "text", ["2025-04-07", "07/04/2025", "07.04.2025", "7 abril 2025", "7 April 2025",
             "April 7, 2025", "7 avril 2025", "7. April 2025"],
)  # fmt: skip
def test_read_date(text: str) -> None:
    assert read_date(text) == date(2025, 4, 7)


@pytest.mark.parametrize(
    ("cell", "role"),
    [
        ("Art.-Nr.", Role.CODE), ("Referencia", Role.CODE), ("Código", Role.CODE),
        ("Artikelnummer", Role.CODE), ("Réf.", Role.CODE), ("Your ref", Role.CODE),
        ("Su referencia", Role.CODE), ("Ihre Art.-Nr.", Role.CODE), ("GTIN", Role.CODE),
        ("Código de barras", Role.CODE), ("Barcode", Role.CODE),
        ("Descripción", Role.DESCRIPTION), ("Bezeichnung", Role.DESCRIPTION),
        ("Omschrijving", Role.DESCRIPTION), ("Désignation", Role.DESCRIPTION),
        ("Qty", Role.QUANTITY), ("Cantidad", Role.QUANTITY), ("Menge", Role.QUANTITY),
        ("Aantal", Role.QUANTITY), ("Quantité", Role.QUANTITY),
        ("Unidad", Role.UNIT), ("Einheit", Role.UNIT), ("Eenheid", Role.UNIT),
        ("Unité", Role.UNIT), ("Unit price (EUR)", Role.PRICE),
        ("Precio unitario", Role.PRICE), ("Einzelpreis", Role.PRICE), ("Prijs", Role.PRICE),
        ("Prix unitaire", Role.PRICE), ("Fecha de entrega", Role.DATE),
        ("Liefertermin", Role.DATE), ("Leverdatum", Role.DATE),
        ("Date de livraison", Role.DATE), ("ETA", Role.DATE), ("Confirmed date", Role.DATE),
        ("Qty / Cantidad", Role.QUANTITY),
    ],
)  # fmt: skip
def test_header_vocabulary(cell: str, role: Role) -> None:
    found = header_role(cell)
    assert found is not None and found[0] is role


@pytest.mark.parametrize("cell", ["Your order: P00021", "Payment terms", "IB-EVO5", "40"])
def test_cells_that_name_no_column(cell: str) -> None:
    assert header_role(cell) is None
