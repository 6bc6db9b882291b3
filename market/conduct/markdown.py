"""Markdown to safe HTML: raw HTML is off in the parser and the output is sanitised again."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str, *, shift_headings: int = 1) -> Markup:
    """Render Markdown; headings move down `shift_headings` levels so the page keeps one h1."""
    html = _parser.render(text or "")
    for level in range(6, 0, -1):
        target = min(level + shift_headings, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    cleaned = nh3.clean(html, url_schemes={"http", "https", "mailto"})
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above
