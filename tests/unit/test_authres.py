"""Authentication-Results (RFC 8601): parsed without trusting them, never raising; and the
sender-trust decision on top of them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Address, AuthenticationResults, AuthResult, Message
from parsers import parse_message
from parsers.authres import MAX_HEADERS, parse_authentication_results, parse_one
from triage.link.sender import aligned, escape_like, unauthenticated_reason

GMAIL = (
    "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbC+/9=; "
    "spf=pass (google.com: domain of a@example.com designates 1.2.3.4 as permitted sender) "
    "smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"
)
OUTLOOK = (
    "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.com; dkim=pass (signature was "
    "verified) header.d=example.com;dmarc=pass action=none header.from=example.com;"
    "compauth=pass reason=100"
)


def test_a_gmail_header() -> None:
    header = parse_one(GMAIL)
    assert header is not None and header.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in header.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert header.results[0].properties["header.b"] == "AbC+/9="
    assert header.results[2].properties == {"header.from": "example.com"}


def test_outlooks_vendor_properties_and_trailing_semicolons_are_read() -> None:
    # Exchange Online writes no authserv-id: such a header cannot be attributed, so it is
    # not read; with one, its vendor property ("action") and trailing ";" are fine.
    assert parse_one(OUTLOOK) is None
    header = parse_one("outlook.com; " + OUTLOOK + ";")
    assert header is not None and header.authserv_id == "outlook.com"
    assert [r.method for r in header.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert header.results[2].properties == {"action": "none", "header.from": "example.com"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mx.example 1; none", ("mx.example", [])),
        ('"mx.example"; dmarc=PASS header.from=X.example', ("mx.example", [("dmarc", "pass")])),
        ("MX.Example; spf/2=pass smtp.mailfrom=a@b.example;", ("mx.example", [("spf", "pass")])),
        (
            "mx (our (nested) server) ; dkim=fail (bad sig) header.d=b.example",
            ("mx", [("dkim", "fail")]),
        ),
    ],
)
def test_versions_quotes_comments_and_case(value: str, expected: tuple[str, list]) -> None:
    header = parse_one(value)
    assert header is not None
    assert (header.authserv_id, [(r.method, r.result) for r in header.results]) == expected


def test_a_quoted_semicolon_is_data() -> None:
    header = parse_one('mx; dmarc=pass header.from="a.example; dmarc=pass"')
    assert header is not None and len(header.results) == 1
    assert header.results[0].properties["header.from"] == "a.example; dmarc=pass"


@pytest.mark.parametrize(
    "value",
    [
        "",
        ";",
        "mx.example",  # no result at all
        "mx.example; dmarc=pass (unclosed",
        'mx.example; dmarc=pass header.from="unclosed',
        "mx.example; dmarc",
        "mx.example; =pass",
        "mx.example; dmarc=pass header.from",
        "mx.example extra words; dmarc=pass",
        "mx.example; dmarc=pass ) header.from=x.example",
        "mx.example; dmarc=pass header.from=" + "a" * 9_000,
    ],
)
def test_malformed_headers_are_ignored(value: str) -> None:
    assert parse_one(value) is None


def test_headers_beyond_the_limit_are_ignored_and_counted() -> None:
    values = ["mx; none", "broken (", *["mx; spf=pass"] * (MAX_HEADERS + 3)]
    parsed, malformed = parse_authentication_results(values)
    assert len(parsed) == MAX_HEADERS - 1 and malformed == 1 + 5


@settings(deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_or_is_ignored(value: str) -> None:
    header = parse_one(value)
    assert header is None or isinstance(header, AuthenticationResults)


_TOKEN = st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9-]{0,8}){0,2}", fullmatch=True)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["spf", "dkim", "dmarc", "arc"]),
            st.sampled_from(["pass", "fail", "none", "softfail", "temperror"]),
            st.dictionaries(
                st.sampled_from(["header.from", "header.d", "smtp.mailfrom", "header.i"]),
                _TOKEN,
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    _TOKEN,
    st.booleans(),
)
def test_what_is_written_is_read_back(
    results: list[tuple[str, str, dict[str, str]]], authserv_id: str, comments: bool
) -> None:
    note = " (a comment; with = signs)" if comments else ""
    parts = [
        f"{m}={r}{note} " + " ".join(f"{k}={v}" for k, v in props.items())
        for m, r, props in results
    ]
    header = parse_one(f"{authserv_id}{note}; " + "; ".join(parts))
    assert header is not None and header.authserv_id == authserv_id
    assert [(r.method, r.result, r.properties) for r in header.results] == results


def test_the_parser_fills_the_message_and_records_malformed_headers() -> None:
    raw = (
        b"Authentication-Results: mx.example; dmarc=pass header.from=a.example\r\n"
        b"Authentication-Results: mx.example; dmarc=pass (broken\r\n"
        b"From: x@a.example\r\nSubject: hi\r\n\r\nbody\r\n"
    )
    message = parse_message(raw)
    assert [h.authserv_id for h in message.authentication] == ["mx.example"]
    assert any("Authentication-Results" in d.detail for d in message.defects)


# -- the trust decision ------------------------------------------------------------------------


def _mail(sender: str, *headers: AuthenticationResults) -> Message:
    return Message(id="m", key="k", **{"from": Address(email=sender)}, authentication=list(headers))


def _header(authserv_id: str, method: str, result: str, **props: str) -> AuthenticationResults:
    properties = {k.replace("_", "."): v for k, v in props.items()}
    return AuthenticationResults(
        authserv_id=authserv_id,
        results=[AuthResult(method=method, result=result, properties=properties)],
    )


TRUSTED = frozenset({"mx.ours.example"})


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (_header("mx.ours.example", "dmarc", "pass", header_from="ours.example"), True),
        (_header("mx.ours.example", "dmarc", "pass", header_from="mail.ours.example"), False),
        (_header("mx.ours.example", "spf", "pass", smtp_mailfrom="b@mail.ours.example"), True),
        (_header("mx.ours.example", "dkim", "pass", header_d="ours.example"), True),
        (_header("mx.ours.example", "dkim", "pass", header_i="@ours.example"), True),
        (_header("mx.ours.example", "dkim", "pass", header_d="evilours.example"), False),
        (_header("mx.ours.example", "dkim", "pass", header_d="example"), False),
        (_header("mx.ours.example", "spf", "softfail", smtp_mailfrom="ours.example"), False),
        (_header("mx.theirs.example", "dmarc", "pass", header_from="ours.example"), False),
    ],
)
def test_authenticated_only_by_a_trusted_aligned_pass(
    header: AuthenticationResults, ok: bool
) -> None:
    reason = unauthenticated_reason(_mail("me@ours.example", header), TRUSTED)
    assert (reason == "") is ok


def test_no_trusted_id_configured_trusts_nobody() -> None:
    header = _header("mx.ours.example", "dmarc", "pass", header_from="ours.example")
    assert "configured" in unauthenticated_reason(_mail("me@ours.example", header), frozenset())


def test_alignment_and_escaping() -> None:
    assert aligned("a.b.example", "b.example") and aligned("b.example", "a.b.example")
    assert not aligned("ab.example", "b.example") and not aligned("example", "b.example")
    assert escape_like("50%_off\\@x.example") == "50\\%\\_off\\\\@x.example"
