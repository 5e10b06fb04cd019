"""The text of an article body container (`div.detail-content[data-role=content]`).

What counts as body text, and why:

- Removed before reading: the hidden ticker widget `div.chisochungkhoan` (its tickers are read
  first, by the page object), the "TIN MỚI" box `div.tindnd` / `#listNewsInContent`, ad shells
  (`div.h-show-pc`, `div.h-show-mobile`, `.c-banner`, `ins.adsbygoogle`), related links
  (`div.link-content-footer`, `[type=RelatedNewsBox]`), scripts, styles, iframes, forms and
  HTML comments. In-body boxes wrapped in `.VCSortableInPreviewMode` stay: CafeF wraps real
  content (images, tables, quote boxes) in them.
- **Figure captions are left out**, empty or not. A caption labels an image ("Ông Đỗ Quý Hải",
  "Nguồn: MBS") rather than carrying the story; as a paragraph of its own it would read as a
  stray line and shift word counts and near-duplicate hashes when only a photo changes. The
  images themselves are kept in `image_urls`.
- **Tables are kept**, one paragraph per non-empty row, cells joined by ` | `: financial stories
  put their figures in tables, and dropping them would lose facts the text refers to.
- Every block element (`p`, `div`, headings, list items, quotes) is a paragraph; a `<br>` also
  breaks the paragraph, since the stored body has no other way to keep a line break.
  Paragraphs are whitespace-squashed; empty ones are dropped. The caller joins them with "\\n\\n".
"""

from __future__ import annotations

import copy

from newsscraper.pages.selectors import css, squash, text_of

_JUNK = css(
    "div.chisochungkhoan, div.tindnd, #listNewsInContent, "
    "div.h-show-pc, div.h-show-mobile, .c-banner, ins.adsbygoogle, "
    "div.link-content-footer, [type=RelatedNewsBox], "
    "script, style, noscript, template, iframe, object, embed, form, button, svg"
)

_BLOCK_TAG_NAMES = """p div section article header footer aside main nav blockquote pre figure
    center h1 h2 h3 h4 h5 h6 ul ol li dl dt dd address hr"""
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
# Left out with everything inside (see the module docstring for figcaption).
_SKIPPED_TAG_NAMES = "figcaption script style noscript template iframe object embed form button svg"
_SKIPPED_TAGS = frozenset(_SKIPPED_TAG_NAMES.split())
_CELL_TAGS = frozenset({"td", "th"})


def cleaned_copy(content):
    """A copy of the body container without widgets, ads and related links.

    A copy, because the element belongs to the response's parsed tree, which others may read.
    """
    content = copy.deepcopy(content)
    for node in _JUNK(content):
        if node is not content:
            node.drop_tree()  # keeps the text that follows the removed node
    return content


def _tag(node) -> str | None:
    """The lower-case tag name, or None for comments and processing instructions."""
    return node.tag.lower() if isinstance(node.tag, str) else None


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.iter("tr"):
        cells = [text_of(cell) for cell in row if _tag(cell) in _CELL_TAGS]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            rows.append(line)
    return rows


def paragraphs(content) -> list[str]:
    """The paragraphs of an already cleaned body container, in order."""
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = squash("".join(buffer))
        buffer.clear()
        if text:
            out.append(text)

    def walk(node) -> None:
        tag = _tag(node)
        if tag is None or tag in _SKIPPED_TAGS:
            pass
        elif tag == "br":
            flush()
        elif tag == "table":
            flush()
            out.extend(_table_rows(node))
        elif tag in _BLOCK_TAGS:
            flush()
            buffer.append(node.text or "")
            for child in node:
                walk(child)
            flush()
        else:
            buffer.append(node.text or "")
            for child in node:
                walk(child)
        if node.tail:
            buffer.append(node.tail)

    buffer.append(content.text or "")
    for child in content:
        walk(child)
    flush()
    return out
