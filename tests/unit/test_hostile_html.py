"""Hostile HTML: the caps cut what would make tree building slow, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from api.ui.mailview import sanitised_frame
from models import DefectCode
from parsers import ParseOptions, parse_message
from parsers.html import html_to_text, read_html
from parsers.html_guard import HtmlLimits, cap_html

SMALL = HtmlLimits(max_chars=20_000, max_depth=40, max_elements=300)
TAGS = st.sampled_from(
    ["div", "p", "b", "a", "li", "ul", "table", "tr", "td", "font", "span", "script", "br"]
)
PIECES = st.one_of(
    TAGS.map(lambda t: f"<{t}>"),
    TAGS.map(lambda t: f"</{t}>"),
    TAGS.map(lambda t: f"<{t} title='</{t}>' x=\"<{t}>\">"),
    st.sampled_from(["<!--", "-->", "<!doctype html>", "<", ">", "'", '"', "=", "&amp;", "x"]),
    st.text(max_size=5),
)


def tree_depth(html: str) -> int:
    """The deepest element lexbor builds from the HTML."""
    deepest = 0
    for node in LexborHTMLParser(html).root.traverse():  # type: ignore[union-attr]
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        deepest = max(deepest, depth)
    return deepest


def nested(tag: str, depth: int) -> str:
    """`tag` opened `depth` times, with a word in each."""
    return f"<{tag}>x" * depth


def test_deep_nesting_is_cut_at_the_depth_cap() -> None:
    capped = cap_html(nested("div", 10_000), SMALL)
    assert capped.truncated == "nested deeper than 40 elements"
    assert tree_depth(capped.html) <= SMALL.max_depth + 3  # html, body and the text node


def test_many_elements_are_cut_at_the_element_cap() -> None:
    capped = cap_html("<br>" * 10_000, SMALL)
    assert capped.truncated == "more than 300 elements"
    assert capped.html.count("<br>") == SMALL.max_elements


def test_an_ordinary_page_is_whole() -> None:
    page = "<table>" + "<tr><td><p>cell<li>item</td></tr>" * 200 + "</table>" + "<p>para" * 200
    assert cap_html(page, HtmlLimits(max_depth=40)).truncated == ""


def test_closing_tags_hidden_from_the_tree_builder_do_not_hide_depth() -> None:
    # Each of these opens a div that the tree builder keeps open: the `</div>` is text.
    for trick in ("<div><script></div></script>", "<div><!--</div>-->", "<div><a title='</div>'>"):
        capped = cap_html(trick * 1_000, SMALL)
        assert capped.truncated, trick
        assert tree_depth(capped.html) <= 2 * SMALL.max_depth + 3, trick


def test_formatting_elements_reopened_in_each_paragraph_count() -> None:
    fonts = "".join(f'<font size="{i}">' for i in range(30))
    capped = cap_html("<p>" + fonts + "</p>" + "<p>x</p>" * 1_000, SMALL)
    assert capped.truncated == "more than 300 elements"


def test_characters_past_the_cap_are_dropped() -> None:
    capped = cap_html("<p>" + "x" * 30_000, SMALL)
    assert (len(capped.html), capped.truncated) == (20_000, "longer than 20000 characters")


def test_a_two_megabyte_nested_mail_is_stored_with_the_defect() -> None:
    html = "<div>x" * 350_000
    raw = (
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMessage-ID: <d@x>\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + html
    ).encode()
    message = parse_message(raw)
    assert message.has_defect(DefectCode.HTML_TRUNCATED)
    assert message.html_text.startswith("x")
    defect = next(d for d in message.defects if d.code == DefectCode.HTML_TRUNCATED)
    assert defect.detail == "HTML cut before parsing: nested deeper than 256 elements"


def test_the_caps_come_from_the_parse_options() -> None:
    raw = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + b"<p>x" * 100
    message = parse_message(raw, options=ParseOptions(max_html_elements=10))
    assert message.has_defect(DefectCode.HTML_TRUNCATED)
    assert message.html_text.split() == ["x"] * 10


def test_the_sanitised_frame_is_cut_and_says_so() -> None:
    frame = sanitised_frame(nested("div", 5_000))
    assert frame.count("<div>") <= HtmlLimits().max_depth
    assert "The rest of this mail was cut: nested deeper than 256 elements." in frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=400))
def test_malformed_html_is_read_within_the_caps(pieces: list[str]) -> None:
    html = "".join(pieces)
    read = read_html(html, SMALL)
    assert len(read.text) <= len(html)
    capped = cap_html(html, SMALL)
    assert html.startswith(capped.html)
    assert (capped.html != html) == bool(capped.truncated)
    assert read.truncated == capped.truncated


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tag=TAGS, depth=st.integers(0, 3_000), tail=st.text(max_size=20))
def test_nested_html_is_cut_when_deep_and_read_when_not(tag: str, depth: int, tail: str) -> None:
    html = nested(tag, depth) + tail
    read = read_html(html, SMALL)
    assert read.text.count("x") <= depth + len(tail)
    if depth > 2 * SMALL.max_elements and tag != "script":  # the rest of a script is text
        assert read.truncated
    assert tree_depth(cap_html(html, SMALL).html) <= 2 * SMALL.max_depth + 4
    if not read.truncated:
        assert read.text == html_to_text(html, HtmlLimits())


@pytest.mark.parametrize("unit", ["<span><div></span>", "<li><ul></li>", "<a><table></a>"])
def test_an_end_tag_the_parser_ignores_does_not_hide_depth(unit: str) -> None:
    """HTML5 ignores `</span>` over a `<div>` (and `</li>` over a list): the tree still
    deepens, so the guard must count it as deepening too."""
    capped = cap_html("<html><body>" + unit * 5_000)
    assert capped.truncated.startswith("nested deeper than")
