"""Mail nested too deep to walk is parsed from its outer levels and says so."""

from __future__ import annotations

from api.ui.mailview import html_part
from models import DefectCode
from parsers import ParseOptions, parse_message
from parsers.mime_guard import cut_mime_nesting

HEAD = (
    b"From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n"
    b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\n"
)


def nested_multipart(
    depth: int, leaf: bytes = b"Content-Type: text/plain\r\n\r\nhello\r\n"
) -> bytes:
    """A mail of `depth` multiparts, each the only part of the one around it."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return HEAD + opening + leaf + closing


def nested_messages(depth: int) -> bytes:
    """A mail of `depth` attached messages, each inside the one before."""
    return HEAD + b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n" * depth + b"\r\nhi\r\n"


def test_a_mail_nested_two_thousand_deep_is_parsed_with_the_defect() -> None:
    message = parse_message(nested_multipart(2_000))
    assert message.subject == "deep"
    assert message.has_defect(DefectCode.TOO_DEEP)
    details = [d.detail for d in message.defects if d.code == DefectCode.TOO_DEEP]
    assert "MIME nested deeper than 20: cut before parsing" in details


def test_attached_messages_nested_deep_are_cut_too() -> None:
    message = parse_message(nested_messages(5_000))
    assert message.has_defect(DefectCode.TOO_DEEP)


def test_nesting_within_the_limit_is_whole() -> None:
    raw = nested_multipart(8)
    assert cut_mime_nesting(raw, 20) == (raw, "")
    message = parse_message(raw)
    assert message.text == "hello"
    assert not message.has_defect(DefectCode.TOO_DEEP)


def test_sibling_parts_do_not_add_up_to_depth() -> None:
    parts = b"".join(
        b'--top\r\nContent-Type: multipart/alternative; boundary="alt%d"\r\n\r\n'
        b"--alt%d\r\nContent-Type: text/plain\r\n\r\npart %d\r\n--alt%d--\r\n"
        b"--top\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nforwarded\r\n"
        % (i, i, i, i)
        for i in range(100)
    )
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="top"\r\n\r\n' + parts + b"--top--\r\n"
    assert cut_mime_nesting(raw, 3) == (raw, "")


def test_the_depth_comes_from_the_parse_options() -> None:
    message = parse_message(nested_multipart(12), options=ParseOptions(max_depth=3))
    details = [d.detail for d in message.defects if d.code == DefectCode.TOO_DEEP]
    assert "MIME nested deeper than 6: cut before parsing" in details


def test_the_message_page_reads_html_from_a_deep_mail() -> None:
    leaf = b"Content-Type: text/html\r\n\r\n<p>deep html</p>\r\n"
    assert html_part(nested_multipart(2_000, leaf)) is None
    assert html_part(nested_multipart(3, leaf)) == "<p>deep html</p>\r\n"
