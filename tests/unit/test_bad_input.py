"""Hostile and broken input: always a Message with defects, never an exception or a hang."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

from models import AutoKind, DefectCode
from parsers import ParseOptions, parse_message


def _codes(raw: bytes, options: ParseOptions | None = None) -> set[DefectCode]:
    return {d.code for d in parse_message(raw, options=options).defects}


def test_empty_input_is_not_mail() -> None:
    assert DefectCode.NOT_MAIL in _codes(b"")


def test_binary_garbage_is_not_mail() -> None:
    garbage = bytes(range(256)) * 40
    assert DefectCode.NOT_MAIL in _codes(garbage)


def test_empty_message_id_brackets_do_not_crash() -> None:
    # The stdlib raises IndexError reading "Message-Id: <>" with policy.default.
    msg = parse_message(b"From: a@b.example\nMessage-Id: <>\nSubject: hi\n\nbody\n")
    assert msg.message_id is None
    assert msg.key.startswith("sha256:")


def test_headers_with_raw_8bit_bytes_are_repaired() -> None:
    msg = parse_message(b"From: a@b.example\nSubject: Gr\xfc\xdfe aus K\xf6ln\n\nHallo\n")
    assert msg.subject == "Grüße aus Köln"
    assert DefectCode.HEADER in {d.code for d in msg.defects}


def test_oversized_message_keeps_headers_only() -> None:
    raw = b"From: a@b.example\nSubject: huge\nMessage-ID: <huge@x>\n\n" + b"A" * 2_000_000
    msg = parse_message(raw, options=ParseOptions(max_bytes=1_000_000))
    assert msg.subject == "huge" and msg.message_id == "huge@x"
    assert msg.text == "" and msg.size == len(raw)
    assert msg.has_defect(DefectCode.TOO_LARGE)


def test_hundred_megabyte_blob_is_refused_quickly() -> None:
    raw = b"Subject: blob\n\n" + bytes(100 * 1024 * 1024)
    msg = parse_message(raw)
    assert msg.has_defect(DefectCode.TOO_LARGE)


def test_zip_bomb_attachment_is_hashed_not_opened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(50 * 1024 * 1024))
    bomb = buffer.getvalue()
    mail = EmailMessage()
    mail["From"] = "a@b.example"
    mail["Subject"] = "bomb"
    mail.set_content("see attachment")
    mail.add_attachment(bomb, maintype="application", subtype="zip", filename="bomb.zip")
    msg = parse_message(mail.as_bytes())
    assert [(a.name, a.size) for a in msg.attachments] == [("bomb.zip", len(bomb))]
    assert len(bomb) < 1024 * 1024


def test_attachment_count_is_limited() -> None:
    mail = EmailMessage()
    mail["From"] = "a@b.example"
    mail.set_content("many files")
    for i in range(12):
        mail.add_attachment(
            b"x" * i, maintype="application", subtype="octet-stream", filename=f"{i}"
        )
    msg = parse_message(mail.as_bytes(), options=ParseOptions(max_attachments=5))
    assert len(msg.attachments) == 5
    assert msg.has_defect(DefectCode.TOO_MANY_ATTACHMENTS)


def test_deeply_nested_messages_stop_at_the_limit() -> None:
    inner = b"From: a@b.example\nSubject: level 0\n\ninnermost\n"
    for level in range(1, 40):
        inner = (
            b"From: a@b.example\nSubject: level %d\nContent-Type: message/rfc822\n\n" % level
        ) + inner
    msg = parse_message(inner, options=ParseOptions(max_depth=10))
    assert msg.has_defect(DefectCode.TOO_DEEP)
    assert msg.subject == "level 39"


def test_missing_headers_are_defects_not_errors() -> None:
    codes = _codes(b"From: a@b.example\n\nhello there\n")
    assert {DefectCode.MISSING_MESSAGE_ID, DefectCode.MISSING_DATE} <= codes


def test_bad_base64_and_unknown_transfer_encoding() -> None:
    raw = (
        b"From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        b"--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: x-unknown\n\nplain?\n"
        b"--XX\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQK!!!not base64\n--XX--\n"
    )
    msg = parse_message(raw)
    assert len(msg.attachments) == 1
    assert msg.attachments[0].content_type == "application/pdf"


def test_unknown_charset_falls_back_and_says_so() -> None:
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=bogus-42\n\nK\xc3\xb6ln\n"
    msg = parse_message(raw)
    assert msg.text == "Köln"
    assert msg.has_defect(DefectCode.CHARSET_FALLBACK)


def test_auto_submitted_no_is_a_person() -> None:
    msg = parse_message(b"From: a@b.example\nAuto-Submitted: no\nSubject: hello\n\nHi\n")
    assert msg.auto is AutoKind.NONE


def test_codecs_that_raise_plain_unicode_errors_fall_back() -> None:
    for charset in (b"undefined", b"punycode"):
        raw = (
            b"From: a@b.example\nContent-Type: text/plain; charset="
            + charset
            + b"\n\nK\xc3\xb6ln\n"
        )
        msg = parse_message(raw)
        assert msg.text == "Köln" and msg.has_defect(DefectCode.CHARSET_FALLBACK)


def test_dates_at_the_end_of_time_do_not_overflow() -> None:
    raw = (
        b"From: a@b.example\nDate: Fri, 31 Dec 9999 23:00:00 +0000\n\n"
        b"Ship tomorrow or by end of the month\n"
    )
    assert parse_message(raw).text.startswith("Ship tomorrow")


def test_eight_bit_bytes_in_ids_never_reach_the_model() -> None:
    raw = b"From: a@b.example\nMessage-ID: <caf\xe9@x>\nReferences: <r\xe9f@x> <ok@x>\n\nhi\n"
    msg = parse_message(raw)
    assert msg.message_id is None and msg.references == ["ok@x"]
    msg.model_dump_json()  # nothing unencodable is left


def test_an_absent_delivery_is_not_an_out_of_office() -> None:
    raw = (
        b"From: a@b.example\nSubject: Absence of delivery for S00042 - line down!\n\nWhere is it?\n"
    )
    assert parse_message(raw).auto is AutoKind.NONE
