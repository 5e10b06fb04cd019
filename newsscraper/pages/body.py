"""The text of an article body container (`div.detail-content[data-role=content]`).

What counts as body text, and why:

- Skipped, with all they hold: the hidden ticker widget `div.chisochungkhoan` (its tickers are read
  first, by the page object), the "TIN MỚI" box `div.tindnd` / `#listNewsInContent`, ad shells
  (`div.h-show-pc`, `div.h-show-mobile`, `.c-banner`, `ins.adsbygoogle`), related links
  (`div.link-content-footer`, `[type=RelatedNewsBox]`; and a paragraph an editor writes of only
  links after a "Xem thêm:", "Đọc thêm:" ("read also") or "Tin liên quan:" ("related news")
  label, as text, or under such a label on a line of its own, the label with them: a list of
  links, or paragraphs each of only links, up to a line with words of its own), `script`, `style`,
  `noscript`, `template`, `iframe`, `object`, `embed`, `form`, `button`, `svg`, `video` and
  `audio` (whose own text only a browser that cannot play them shows) and HTML comments. In-body
  boxes wrapped in `.VCSortableInPreviewMode` stay: CafeF wraps real content (images, tables,
  quote boxes) in them.
- **Figure captions are left out**, empty or not. A caption labels an image ("Ông Đỗ Quý Hải",
  "Nguồn: MBS") rather than carrying the story; as a paragraph of its own it would read as a
  stray line and shift word counts and near-duplicate hashes when only a photo changes. The
  images themselves are kept in `image_urls`. A photo box is a `figure`, or in older articles
  a `div[type=Photo]`; a caption is a `figcaption` or, in older articles, a
  `div.PhotoCMS_Caption` (the class CafeF's CMS still gives its `figcaption`). A video box
  (`[type=VideoStream]`) has its caption in a `div.VideoCMS_Caption`, left out too.
- **Tables are kept**, one paragraph per non-empty row, cells joined by ` | `: financial stories
  put their figures in tables, and dropping them would lose facts the text refers to. Lines
  inside a cell (`<p>`, `<br>`) are joined by a space; a table inside a cell gives rows of
  its own, after the row holding it, and is not repeated in that row's cell. Cells written
  outside any `<tr>` (`<table><td>…`) are a row of their own, as a browser shows them.
- Every block element (`p`, `div`, headings, list items, quotes) is a paragraph; a `<br>` also
  breaks the paragraph, since the stored body has no other way to keep a line break.
  An item of a numbered list (`<ol>`) starts with its number as a browser shows it (`1. `,
  from the list's `start`, in its `type`'s letters or Roman numerals: `a. `, `IV. `, or in
  those of the item's own `type`, for that item only); an
  item of a bulleted list (`<ul>`) with no mark, and so an item of a numbered one whose own
  `type` gives it a bullet or none (`<li type="disc">`), counted all the same.
  Paragraphs are whitespace-squashed; empty ones are dropped. The caller joins them with "\\n\\n".

- **Hidden elements are left out** with all they hold: one hidden by its own `hidden` attribute
  or an inline style `display: none` or `visibility: hidden` (`<p style="display:none">`), text
  a reader never sees. Not by its classes: no style sheet is read. Nor by `hidden="until-found"`,
  text folded away that find-in-page or a link opens, kept as a closed `<details>`'s is.

The clutter is skipped while walking, not cut out of a copy first: one pass over the container
reads the text, and the page's tree (shared with the soft-block check) is never changed. The
text that follows a skipped element (its tail) is kept.
"""

from __future__ import annotations

import re
from functools import partial

from lxml import etree

from newsscraper.pages.selectors import (
    CELL_TAGS,
    ROW_GROUP_TAGS,
    SCRIPT_TAGS,
    class_names,
    squash,
    text_pieces,
)

# What is skipped with everything inside it (the list in the module docstring).
_CLUTTER_TAG_NAMES = (
    "script style noscript template iframe object embed form button svg video audio"
)
_CLUTTER_TAGS = frozenset(_CLUTTER_TAG_NAMES.split())
_CLUTTER_DIV_CLASSES = frozenset(
    {"chisochungkhoan", "tindnd", "h-show-pc", "h-show-mobile", "link-content-footer"}
)
# A photo caption box in older articles, and a video box's caption (the text is left out as a
# `figcaption` is).
_CAPTION_CLASSES = frozenset({"PhotoCMS_Caption", "VideoCMS_Caption"})
# One scan of a class attribute says whether it can name clutter at all; most say no.
_CLUTTER_CLASS_HINT = re.compile(
    "|".join(sorted({*_CLUTTER_DIV_CLASSES, "c-banner", "adsbygoogle", *_CAPTION_CLASSES}))
)

# What a body rarely holds, found in one pass over a container: a superscript or subscript, a
# numbered list, an element with a `hidden` attribute, or with a style that may hide it
# (`_HIDING_STYLE` decides).
_RARE_ELEMENTS = etree.XPath(
    "descendant::*[self::sup or self::sub or self::ol or @hidden or @style["
    "contains(translate(., 'NOE', 'noe'), 'none') or contains(translate(., 'HIDEN', 'hiden'),"
    " 'hidden')]]"
)
_HIDING_STYLE = re.compile(
    r"(?<![\w-])(?:display\s*:\s*none|visibility\s*:\s*hidden)(?![\w-])", re.I
)
# Of those, the style that takes the element out of the page whole, its place too.
_NO_BOX_STYLE = re.compile(r"(?<![\w-])display\s*:\s*none(?![\w-])", re.I)
# The `hidden` value of content folded away until found (`is_hidden`).
_UNTIL_FOUND = "until-found"

_NOT_CELL_TEXT = frozenset({"table", "figcaption"})
_PARAGRAPH_LEFT_OUT = frozenset({"figcaption"})


def is_clutter(node) -> bool:
    """True for what the body leaves out with all it holds: a widget, ad, related-links box or
    non-text element, or an older article's or a video's caption box (`figcaption` is left out
    by tag)."""
    tag = node.tag
    if not isinstance(tag, str):  # comments and processing instructions: only their tail counts
        return False
    if tag in _CLUTTER_TAGS:
        return True
    if node.get("id") == "listNewsInContent" or node.get("type") == "RelatedNewsBox":
        return True
    classes = node.get("class")
    if not classes or not _CLUTTER_CLASS_HINT.search(classes):
        return False
    names = class_names(classes)
    return (
        "c-banner" in names
        or not _CAPTION_CLASSES.isdisjoint(names)
        or (tag == "div" and not _CLUTTER_DIV_CLASSES.isdisjoint(names))
        or (tag == "ins" and "adsbygoogle" in names)
    )


def is_hidden(node) -> bool:
    """True for an element a reader never sees: hidden by its `hidden` attribute or its inline
    style (`display: none`, `visibility: hidden`). Not by `hidden="until-found"`: a browser
    folds such an element away but opens it to find-in-page or a link to it, so it is part
    of the article, as the closed part of a `<details>` is (read as any other text)."""
    return _hidden_by_attribute(node) or bool(_HIDING_STYLE.search(node.get("style") or ""))


def _has_no_box(node) -> bool:
    """True for an element hidden (`is_hidden`) out of the page whole, its place too: by its
    `hidden` attribute or `display: none`, not by `visibility: hidden`."""
    return _hidden_by_attribute(node) or bool(_NO_BOX_STYLE.search(node.get("style") or ""))


def _hidden_by_attribute(node) -> bool:
    """True for an element its `hidden` attribute hides: any value but `until-found` (in any
    case, as HTML matches its keywords), an empty or unknown one too."""
    value = node.get("hidden")
    return value is not None and value.lower() != _UNTIL_FOUND


def is_hidden_in(node, top) -> bool:
    """True for an element a reader never sees, hidden (`is_hidden`) itself or inside an
    element that is, below `top` (up to the tree's root when `top` does not hold it). A
    walk up its few ancestors, the test of a field read from one element outside the body
    (a tag, a byline, the source line, the cover): most hide nothing, and cost a few
    attribute reads."""
    while node is not None and node is not top:
        if is_hidden(node):
            return True
        node = node.getparent()
    return False


def _is_clutter_or_in(hidden: set, node) -> bool:
    return node in hidden or is_clutter(node)


def _left_out(rare):
    """`is_clutter`, or with elements of `rare` that are hidden, a test leaving them out too."""
    hidden = {node for node in rare if is_hidden(node)}
    return partial(_is_clutter_or_in, hidden) if hidden else is_clutter


def rare_elements(content) -> list:
    """What a body rarely holds, under `content`: a superscript or subscript, a numbered list,
    an element that may be hidden. One look a container, given to `paragraphs` and
    `left_out_in` so that the body and its company links share it."""
    return _RARE_ELEMENTS(content)


def left_out_in(content, rare=None):
    """What the body of `content` leaves out with all it holds: clutter (`is_clutter`), and an
    element hidden by its `hidden` attribute or inline style (`rare`: `rare_elements(content)`,
    looked for here unless given)."""
    return _left_out(_RARE_ELEMENTS(content) if rare is None else rare)


# Marks a paragraph break in the text gathered by `paragraphs`. A parsed tree's text never holds
# NUL: libxml2 reads it (and `&#0;`) as U+FFFD, and lxml refuses it in text set by hand.
_BREAK = "\x00"


# "Xem thêm" / "Đọc thêm" ("read also") or "Tin liên quan" ("related news"), composed or
# decomposed (the body is read before NFC), at the start of a paragraph, after any marks
# (`>> `), with or without its colon.
_READ_ALSO = (
    "(?:(?:xem|\u0111(?:\u1ecd|o\u0323)c) th(?:\u00ea|e\u0302)m"
    "|tin li(?:\u00ea|e\u0302)n quan)(?![^\\W_])"
)
_READ_ALSO_LABEL = re.compile(rf"\W*{_READ_ALSO}\s*:?\s*", re.I)
_WORD_CHARACTER = re.compile(r"[^\W_]")


def paragraphs(content, rare=None) -> list[str]:
    """The paragraphs of a body container, clutter, figure captions and an editor's "read
    also" lines of links left out, in order (`rare`: `rare_elements(content)`, looked for here
    unless given)."""
    # Squashed once as a whole, not paragraph by paragraph: the same result in one pass. The
    # mark is not whitespace, so it survives; the spaces beside it go, as each paragraph is trimmed.
    # One look per container for a superscript or subscript and for hidden elements (both
    # rare), not a test of every element.
    if rare is None:
        rare = _RARE_ELEMENTS(content)
    scripts = any(node.tag in SCRIPT_TAGS for node in rare)
    left_out = _left_out(rare)
    numbers = _list_numbers([node for node in rare if node.tag == "ol"], left_out)
    rows_of = _table_rows
    if scripts or numbers or left_out is not is_clutter:
        rows_of = partial(_table_rows, scripts=scripts, is_left_out=left_out, numbers=numbers)
    parts = text_pieces(
        content, _BREAK, _PARAGRAPH_LEFT_OUT, left_out, rows_of, scripts=scripts, numbers=numbers
    )
    if numbers:
        parts = _numbers_before_their_text(parts, numbers)
    text = squash("".join(parts)).replace(" " + _BREAK, _BREAK).replace(_BREAK + " ", _BREAK)
    found = [paragraph for paragraph in text.split(_BREAK) if paragraph]
    # A match at each paragraph's start, which fails at once on most: a few microseconds a
    # body, where a search of the whole text for the label costs ten times that.
    if any(map(_READ_ALSO_LABEL.match, found)):
        if numbers:
            return _without_read_also_lines(_paragraphs_numbered(parts, numbers), content)
        return _without_read_also_lines([(paragraph, False) for paragraph in found], content)
    return found


def _list_numbers(lists, is_left_out=is_clutter) -> dict | None:
    """The number a browser shows before each item with text of the numbered lists `lists`
    (`<ol>`), `"1. "`: from its `start` (1 unless told; a `reversed` list counts down, from
    its number of items a browser counts unless told), an item's `value` setting it from
    there on; written as its `type` says (`a`, `A`, `i`, `I` exactly, with no space around
    it; else digits), or an item's own `type`, for that item only, as a browser reads it (one
    of the five, exactly; `disc`, `circle`, `square` or `none`, in any case, a bullet or no mark: no
    number, the item still counted; any other leaves the item to its list's).
    An item whose text the body leaves out (`is_left_out`, a caption, an item hidden by
    `visibility: hidden`, whose place stays) has none, but is counted; one a browser gives no
    box (`hidden`, `display: none`) is not counted. None without a list."""
    if not lists:
        return None
    numbers = {}
    for ol in lists:
        # An item a browser gives no box (`hidden`, `display: none`) is no item a reader sees,
        # nor counted: not in a reversed list's number of items either.
        items = [li for li in ol.iterchildren("li") if not _has_no_box(li)]
        step = -1 if ol.get("reversed") is not None else 1
        number = _integer(ol.get("start"), len(items) if step < 0 else 1)
        kind = ol.get("type") or "1"
        for li in items:
            number = _integer(li.get("value"), number)
            if squash("".join(text_pieces(li, " ", _PARAGRAPH_LEFT_OUT, is_left_out))):
                own = li.get("type")
                if own in _LIST_TYPES:
                    numbers[li] = f"{_list_marker(number, own)}. "
                elif own is None or own.lower() not in _NO_NUMBER_TYPES:
                    numbers[li] = f"{_list_marker(number, kind)}. "
            number += step
    return numbers


# An integer attribute as HTML reads it: after any spaces, a sign and ASCII digits, whatever
# follows (`start="3."` is 3); with no digits there, the attribute counts for nothing.
_HTML_INTEGER = re.compile(r"[\t\n\f\r ]*([-+]?[0-9]+)")


def _integer(value: str | None, default: int) -> int:
    found = _HTML_INTEGER.match(value or "")
    return int(found[1]) if found else default


# The `type` values that number a list in letters, Roman numerals or digits, matched exactly.
_LIST_TYPES = frozenset({"1", "a", "A", "i", "I"})
# The `type` values of an item that give it a bullet or no mark, not a number, matched in any
# case as HTML matches them (`li[type=disc i]`).
_NO_NUMBER_TYPES = frozenset({"disc", "circle", "square", "none"})

_ROMAN = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
    (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)  # fmt: skip


def _list_marker(number: int, kind: str) -> str:
    """`number` as a list of `type` `kind` writes it; in digits where that type has no way
    to (a letter for 0 or less, a Roman numeral for 0 or less or past 3999), as browsers do."""
    if kind in ("a", "A") and number > 0:
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters if kind == "a" else letters.upper()
    if kind in ("i", "I") and 0 < number < 4000:
        roman = ""
        for value, numeral in _ROMAN:
            count, number = divmod(number, value)
            roman += numeral * count
        return roman if kind == "i" else roman.upper()
    return str(number)


def _numbers_before_their_text(parts: list[str], numbers: dict) -> list[str]:
    """`parts` (of `text_pieces`) with each list item's number put right before the item's
    first text, past the breaks that may come first (its text starts with a block of its
    own, `<li><p>A</p></li>`), as a browser shows it (`1. A`), not on a line of its own.
    Only an item's own number moves: the very strings `numbers` holds, told by identity, so
    a paragraph an editor writes as `1.` stays one."""
    own = _own_numbers(numbers)
    moved: list[str] = []
    waiting = None  # an item's number, until its text comes
    for part in parts:
        if waiting is not None:
            if part == _BREAK or not squash(part):
                moved.append(part)
                continue
            moved.append(waiting)
            waiting = None
        if id(part) in own:
            waiting = part
        else:
            moved.append(part)
    if waiting is not None:
        moved.append(waiting)
    return moved


def _own_numbers(numbers: dict) -> set[int]:
    """The identities of the strings `numbers` (`_list_numbers`) holds: a part of `text_pieces`
    that is one of them is a list item's own number, not text an editor writes the same (`1.`)."""
    return {id(number) for number in numbers.values()}


def _paragraphs_numbered(parts: list[str], numbers: dict) -> list[tuple[str, bool]]:
    """The paragraphs of `parts` (of `_numbers_before_their_text`), each squashed on its own and
    the empty ones dropped, as `paragraphs` gives them, each with whether it starts with a
    list item's own number (`_own_numbers`): a paragraph an editor starts with `1. ` does not."""
    own = _own_numbers(numbers)
    found: list[tuple[str, bool]] = []
    line: list[str] = []
    numbered = False
    for part in parts:
        if id(part) in own and not squash("".join(line)):
            numbered = True
        first, *rest = part.split(_BREAK)
        line.append(first)
        for piece in rest:
            text = squash("".join(line))
            if text:
                found.append((text, numbered))
            line, numbered = [piece], False
    text = squash("".join(line))
    if text:
        found.append((text, numbered))
    return found


def _without_read_also_lines(found: list[tuple[str, bool]], content) -> list[str]:
    """The paragraphs of `found` (each with whether it starts with a list item's own number)
    without the related links an editor writes into the story, as the site's own
    `div.link-content-footer` is: a paragraph of only links (and the marks between them)
    under a "Xem thêm:", "Đọc thêm:" or "Tin liên quan:" label; and a label on a line of its
    own with the run of lines of only links right under it (a list's items, paragraphs), the
    label gone with them. A line with words of its own besides its links stays, and ends
    the run; a label with no line of links under it stays. A list item's own number is no word
    of its own; a number an editor writes (`1. `) is."""
    link_texts = sorted({squash("".join(a.itertext())) for a in content.iter("a")} - {""}, key=len)

    def only_links(text: str) -> bool:
        rest = text
        for link_text in reversed(link_texts):  # the longest first: it may hold a shorter
            rest = rest.replace(link_text, "")
        return rest != text and not _WORD_CHARACTER.search(rest)

    kept: list[str | None] = []
    label_at = None  # where in `kept` a label standing alone is, while links run under it
    for paragraph, numbered in found:
        if label_at is not None:
            if only_links(paragraph.partition(" ")[2] if numbered else paragraph):
                kept[label_at] = None
                continue
            label_at = None
        label = _READ_ALSO_LABEL.match(paragraph)
        if label and label.end() == len(paragraph):
            label_at = len(kept)
        elif label and only_links(paragraph[label.end() :]):
            continue
        kept.append(paragraph)
    return [paragraph for paragraph in kept if paragraph is not None]


def figure_images(content, is_left_out=is_clutter) -> list:
    """The `img` elements inside a photo box (`figure`, or an older article's `div[type=Photo]`)
    of the body container, in order; one inside what `is_left_out` says the body leaves out
    (clutter unless told; `left_out_in` adds hidden elements) is left out too."""
    found = []
    for img in content.iterdescendants("img"):
        in_figure = False
        node = img
        while node is not content:
            if is_left_out(node):
                break
            node = node.getparent()
            in_figure = in_figure or node.tag == "figure" or node.get("type") == "Photo"
        else:
            if in_figure:
                found.append(img)
    return found


def _table_rows(table, scripts=False, is_left_out=is_clutter, numbers=None) -> list[str]:
    """One line per row with text: its cells joined by ` | `; what `is_left_out` says is
    (clutter unless told) left out; a numbered list's item starts with its number (`numbers`)."""
    rows = []
    for holder, row in _rows(table):
        if inside_clutter(holder, table, is_left_out):
            continue
        cells = (
            _text(cell, scripts, is_left_out, numbers)
            for cell in row
            if cell.tag in CELL_TAGS and not is_left_out(cell)
        )
        line = " | ".join(cell for cell in cells if cell)
        if line:
            rows.append(line)
    return rows


def _rows(table):
    """The rows of a table and of the tables inside it, in order, each as the element holding
    it and its cells: a `<tr>`, or cells written outside any `<tr>` (`<table><td>…`), which a
    browser puts in a row of their own and libxml2 leaves where they are."""
    for node in table.iter("tr", *CELL_TAGS):
        if node.tag == "tr":
            yield node, list(node)
            continue
        holder = node.getparent()
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if holder.tag not in ROW_GROUP_TAGS or (previous is not None and previous.tag in CELL_TAGS):
            continue  # a cell of a `<tr>` (or of no table part), or not the first of its run
        run = []
        while node is not None and (node.tag in CELL_TAGS or not isinstance(node.tag, str)):
            run.append(node)
            node = node.getnext()
        yield holder, run


def inside_clutter(node, container, is_left_out=is_clutter) -> bool:
    """True when `node`, or an element between it and `container`, is clutter (or what
    `is_left_out` says is left out)."""
    while node is not container:
        if is_left_out(node):
            return True
        node = node.getparent()
    return False


def _text(cell, scripts=False, is_left_out=is_clutter, numbers=None) -> str:
    """The text of a table cell, squashed: a block or `<br>` inside it parts words as a line
    break would; clutter and captions are left out, and so is a table inside the cell, whose
    rows are lines of their own."""
    parts = text_pieces(cell, " ", _NOT_CELL_TEXT, is_left_out, scripts=scripts, numbers=numbers)
    return squash("".join(parts))
