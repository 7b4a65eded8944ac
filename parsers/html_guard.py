"""Caps on HTML before a tree is built from it.

An HTML5 tree builder checks the stack of open elements on most tags, so its cost grows with
the product of the document's nesting depth and its number of tags: `<div>` nested 400,000
deep (2 MB) takes lexbor and html5ever (nh3) minutes. One linear pass over the tags here
estimates the depth and the element count the way a tree builder would see them, and cuts
the document before the tag that passes a cap.

The estimate follows the tokenizer where a wrong guess would hide tags (comments, raw-text
elements such as `<script>`, quoted attribute values) and the tree builder's commonest
implicit closes (`<p>`, `<li>`, table cells, end tags that close what they enclose). Where
it is unsure it counts more, never less, so the caps hold: a sloppy but harmless page is at
worst cut early, with the reason said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN_RE = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][^\t\n\f\r />]*))")
# The rest of a tag: a quote opens a value only after `=`, as in the HTML tokenizer.
_TAG_REST_RE = re.compile(r"""(?:[^>=]+|=[\t\n\f\r ]*"[^"]*"|=[\t\n\f\r ]*'[^']*'|=)*+>""")
_RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
_RAW_END_RE = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param "
    "source track wbr".split()
)
_BARRIERS = frozenset("applet caption html table td th marquee object template".split())
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr listing main menu nav ol p pre "
    "section summary table ul".split()
)
# A start tag closes an open element of these names above the nearest of the fences (and
# of the scope barriers for the first three). `<a>` in `<a>` is left out on purpose: the
# adoption agency keeps what the first one holds open, so closing it would count too few.
_SIBLINGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ol", "ul"})),
    "dd": (frozenset({"dd", "dt"}), frozenset()),
    "dt": (frozenset({"dd", "dt"}), frozenset()),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tbody": (frozenset({"tbody", "thead", "tfoot"}), frozenset({"table"})),
    "thead": (frozenset({"tbody", "thead", "tfoot"}), frozenset({"table"})),
    "tfoot": (frozenset({"tbody", "thead", "tfoot"}), frozenset({"table"})),
    "option": (frozenset({"option"}), frozenset({"select"})),
}
_IN_SCOPE = frozenset({"li", "dd", "dt"})


@dataclass(frozen=True)
class HtmlLimits:
    """How much HTML is turned into a tree: characters, nesting depth, elements."""

    max_chars: int = 4_000_000
    max_depth: int = 256
    max_elements: int = 50_000


@dataclass(frozen=True)
class CappedHtml:
    """The HTML to build a tree from, and why it was cut ('' when it is whole)."""

    html: str
    truncated: str = ""


# Elements whose end tag HTML5 implies when an ancestor's end tag arrives.
_IMPLIED_END = frozenset(
    {
        "p",
        "li",
        "dd",
        "dt",
        "option",
        "optgroup",
        "rb",
        "rp",
        "rt",
        "rtc",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "colgroup",
    }
)


@dataclass
class _OpenElements:
    """The estimated stack of open elements, with O(1) lookups by name."""

    names: list[str] = field(default_factory=list)
    where: dict[str, list[int]] = field(default_factory=dict)
    barriers: list[int] = field(default_factory=list)
    # Formatting elements closed implicitly: a tree builder reopens (clones) them later.
    lingering: dict[str, int] = field(default_factory=dict)
    reopened: int = 0
    elements: int = 0
    end_tags: int = 0

    @property
    def depth(self) -> int:
        """Open elements plus the formatting elements a tree builder may reopen."""
        return len(self.names) + self.reopened

    def last(self, name: str) -> int:
        """Index of the innermost open element of this name, or -1."""
        found = self.where.get(name)
        return found[-1] if found else -1

    def fence(self, names: frozenset[str] = frozenset(), barriers: bool = True) -> int:
        """Index of the innermost open element with one of these names (or, with
        `barriers`, of a scope barrier), or -1."""
        found = max((self.last(n) for n in names), default=-1)
        return max(found, self.barriers[-1]) if barriers and self.barriers else found

    def push(self, name: str) -> None:
        """Open an element."""
        if name in _BARRIERS:
            self.barriers.append(len(self.names))
        self.where.setdefault(name, []).append(len(self.names))
        self.names.append(name)

    def pop_to(self, index: int, closing: str) -> None:
        """Close the element at `index` and everything opened inside it."""
        while len(self.names) > index:
            name = self.names.pop()
            self.where[name].pop()
            if name in _BARRIERS:
                self.barriers.pop()
            if name in _FORMATTING and name != closing:
                self.lingering[name] = self.lingering.get(name, 0) + 1
                self.reopened += 1

    def _closable_above(self, at: int) -> bool:
        # Bounded by the depth cap: linear overall.
        return all(n in _IMPLIED_END or n in _FORMATTING for n in self.names[at + 1 :])

    def start(self, name: str) -> None:
        """A start tag: implicit closes, then the new element (void ones stay closed)."""
        self.elements += 1 + self.reopened
        if name in _CLOSES_P and (p := self.last("p")) > self.fence():
            self.pop_to(p, name)
        if name in _SIBLINGS:
            same, fences = _SIBLINGS[name]
            open_at = max(self.last(n) for n in same)
            if open_at > self.fence(fences, barriers=name in _IN_SCOPE):
                self.pop_to(open_at, name)
        if name not in _VOID:
            self.push(name)

    def end(self, name: str) -> None:
        """An end tag closes the innermost element of its name when a parser would: no scope
        between, and nothing above it but elements whose end is implied or formatting ones.
        Otherwise it is ignored (HTML5 ignores `</span>` over a `<div>`): counting too deep
        is safe, too shallow is the attack."""
        self.end_tags += 1
        at = self.last(name)
        if at >= 0 and (name in _BARRIERS or at > self.fence()) and self._closable_above(at):
            self.pop_to(at, name)
        elif self.lingering.get(name):
            self.lingering[name] -= 1
            self.reopened -= 1


def cap_html(html: str, limits: HtmlLimits | None = None) -> CappedHtml:
    """The HTML cut before the first tag that passes a cap, in one linear pass."""
    limits = limits or HtmlLimits()
    truncated = ""
    if len(html) > limits.max_chars:
        html, truncated = html[: limits.max_chars], f"longer than {limits.max_chars} characters"
    cut, reason = _scan(html, limits)
    if cut is None:
        return CappedHtml(html, truncated)
    return CappedHtml(html[:cut], reason)


def _scan(html: str, limits: HtmlLimits) -> tuple[int | None, str]:
    """Where to cut the HTML and why, or (None, '') when it fits within the caps."""
    stack = _OpenElements()
    pos = 0
    while (token := _TOKEN_RE.search(html, pos)) is not None:
        comment, bogus, slash, name = token.groups()
        if comment or bogus:
            close = html.find("-->" if comment else ">", token.end())
            pos = close + (3 if comment else 1) if close >= 0 else 0
        elif (rest := _TAG_REST_RE.match(html, token.end())) is None:
            return None, ""  # an unclosed tag runs to the end: nothing more is built
        elif slash:
            stack.end(name.lower())
            if stack.end_tags > 2 * limits.max_elements:
                return token.start(), f"more than {2 * limits.max_elements} end tags"
            pos = rest.end()
        else:
            stack.start(name.lower())
            if stack.depth > limits.max_depth:
                return token.start(), f"nested deeper than {limits.max_depth} elements"
            if stack.elements > limits.max_elements:
                return token.start(), f"more than {limits.max_elements} elements"
            pos = _after_raw_text(html, name.lower(), rest.end())
        if pos <= 0:
            return None, ""  # an unclosed comment or raw text runs to the end
    return None, ""


def _after_raw_text(html: str, name: str, pos: int) -> int:
    """Past the end tag of a raw-text element (0 when it never ends), else `pos`."""
    if name == "plaintext":
        return 0
    pattern = _RAW_END_RE.get(name)
    if pattern is None:
        return pos
    found = pattern.search(html, pos)
    return found.start() if found is not None else 0
