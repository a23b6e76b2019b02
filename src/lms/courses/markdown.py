"""Trainers' Markdown to safe HTML, once per revision and language (never per request).

CommonMark (markdown-it-py) with tables, strikethrough, footnotes and one admonition
syntax::

    !!! note "Before you visit"
        Indented text of the note. Kinds: note, tip, warning, danger.

Links to other modules (``02-listening.md``) become module URLs; images and other files
are looked up in the course folder and served from it. A final ```` ```quiz ```` fence is
taken out of the page and kept raw for the quizzes. Whatever the Markdown contains, the
HTML that comes out is cleaned by nh3: no script, no event handlers, no ``javascript:``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote, unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.footnote import footnote_plugin

from lms.i18n import gettext as _

QUIZ_INFO = "quiz"
# The module's title is the page's one h1: a "#" heading in the body becomes h2, like "##".
HEADINGS = {"h1": "h2"}
# Between two Chinese (or Japanese) characters a line break is no space: written Chinese
# has none, and a browser would draw the newline of a wrapped line as one.
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
ADMONITIONS = ("note", "tip", "warning", "danger")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "aside",
    "blockquote",
    "br",
    "caption",
    "code",
    "del",
    "div",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"class"},
    "th": {"class"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
    "div": {"class"},
    "p": {"class"},
    "section": {"class"},
    "span": {"class"},
    "code": {"class"},
}


@dataclass
class Reference:
    """A link or image in the body, for the validator."""

    line: int  # 1-based, in the file
    target: str
    image: bool


# Raw HTML is shown as text, never run; but a script or an event handler in a module is
# a mistake or an attack, and is refused rather than published as text.
SCRIPTED = re.compile(
    r"<\s*/?\s*script\b"  # a script tag
    r"|<[a-z][\w-]*(?:\s[^<>]*)?\son(?:error|load|click|dblclick|mouse\w*|pointer\w*|key\w*"
    r"|focus\w*|blur|change|input|submit|toggle|animation\w*|transition\w*|begin|end|wheel"
    r"|scroll|drag\w*|drop|copy|cut|paste|contextmenu|touch\w*|play\w*|pause|select)\s*=",
    re.IGNORECASE,
)
CODE_SPAN = re.compile(r"(`+).+?\1")


def scripted_message() -> str:
    """The problem of a module with a script or an event handler, in the current language."""
    return _(
        "a script or an event handler (<script>, onclick=…) is not allowed in a module; "
        "Markdown needs no HTML"
    )


@dataclass
class RenderedBody:
    html: str
    quiz: str | None = None
    quiz_line: int | None = None
    references: list[Reference] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


@cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(admon_plugin)
    return md


def render(
    text: str, *, course_url: str, module_stems: frozenset[str], first_line: int = 1
) -> RenderedBody:
    """``text`` is a module's body; ``first_line`` is the file line it starts on, so that
    problems name the line in the file. Raw HTML in Markdown is shown as text."""
    md = parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    body = RenderedBody(html="")
    tokens = _take_quiz(tokens, body, first_line)
    _refuse_scripts(text, tokens, body, first_line)
    for token in tokens:
        _rewrite(token, body, course_url, module_stems, first_line)
    html = md.renderer.render(tokens, md.options, env)
    body.html = clean(html)
    return body


def clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _refuse_scripts(text: str, tokens: list[Token], body: RenderedBody, first_line: int) -> None:
    """A script tag or an event handler anywhere in the source, outside code: checked on
    the lines as written (``&lt;script&gt;`` is text about a tag, not a tag)."""
    code: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(*token.map))
    for index, line in enumerate(text.split("\n")):
        if index not in code and SCRIPTED.search(CODE_SPAN.sub("", line)):
            body.problems.append((first_line + index, scripted_message()))


def _take_quiz(tokens: list[Token], body: RenderedBody, first_line: int) -> list[Token]:
    quizzes = [i for i, t in enumerate(tokens) if t.type == "fence" and _is_quiz(t)]
    # The footnote block is put at the end whatever its place in the text: skip it.
    end = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), len(tokens))
    last = end - 1
    for index in quizzes:
        line = first_line + (tokens[index].map or [0])[0]
        if index != last or (len(quizzes) > 1 and index != quizzes[-1]):
            body.problems.append((line, _("the ```quiz block must be the last thing in a module")))
            continue
        body.quiz = tokens[index].content
        body.quiz_line = line + 1
    return [t for i, t in enumerate(tokens) if i not in quizzes]


def _is_quiz(token: Token) -> bool:
    return token.info.strip().split(" ")[0].lower() == QUIZ_INFO


def _rewrite(
    token: Token, body: RenderedBody, course_url: str, stems: frozenset[str], first_line: int
) -> None:
    line = first_line + (token.map or [0])[0]
    if token.type in ("heading_open", "heading_close") and token.tag in HEADINGS:
        token.tag = HEADINGS[token.tag]  # the module's title is the page's one h1
    if token.type in ("th_open", "td_open") and (style := token.attrGet("style")):
        # The CSP forbids style attributes: a column's alignment becomes a class.
        align = str(style).partition(":")[2].strip()
        del token.attrs["style"]
        if align in ("center", "right"):
            token.attrSet("class", f"align-{align}")
    if token.type == "admonition_open":
        kind = token.meta.get("tag", "note")
        if kind not in ADMONITIONS:
            message = _("unknown admonition %(kind)s; use one of %(kinds)s") % {
                "kind": repr(kind),
                "kinds": ", ".join(ADMONITIONS),
            }
            body.problems.append((line, message))
    children = token.children or []
    for index, child in enumerate(children):
        if child.type == "softbreak" and 0 < index < len(children) - 1:
            before, after = children[index - 1].content, children[index + 1].content
            if before and after and CJK.match(before[-1]) and CJK.match(after[0]):
                child.type, child.content = "text", ""
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            child.attrSet("href", _target(href, line, body, course_url, stems, image=False))
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            child.attrSet("src", _target(src, line, body, course_url, stems, image=True))


def _target(
    url: str, line: int, body: RenderedBody, course_url: str, stems: frozenset[str], *, image: bool
) -> str:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("#", "mailto:")):
        return url  # external or in-page: nh3 keeps only safe schemes
    path = unquote(parts.path)
    body.references.append(Reference(line=line, target=path, image=image))
    normal = posixpath.normpath(path) if path else path
    if not image and normal.endswith(".md"):
        stem = posixpath.basename(normal)[: -len(".md")]
        stem = stem.rsplit(".", 1)[0] if stem.count(".") == 1 else stem  # 02-x.zh.md
        anchor = f"#{parts.fragment}" if parts.fragment else ""
        return f"{course_url}/{stem}{anchor}" if stem in stems else url
    if normal.startswith(("../", "/")) or normal == "..":
        return ""  # leaves the course folder: the validator reports it
    return f"{course_url}/files/{quote(normal)}"
