"""Where an article page names the stock symbols of its companies: the ticker widget's title and
chart, the site's company charts in the text, and the in-text links to a company's data page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from newsscraper.pages.body import is_clutter
from newsscraper.pages.selectors import has_class, xpath_has_class

_WIDGET = f"ancestor::div[{xpath_has_class('chisochungkhoan')}]"
WIDGET_TICKERS = etree.XPath(
    f"descendant::h2[{xpath_has_class('title_box')}][{_WIDGET}]/descendant::a"
)
# In the text, a chart counts when it is the site's company chart (`…/info-company?symbol=FPT`):
# another site's embed (`?symbol=BTC`) names no listed company.
_CHART = "contains({0}, 'info-company') and contains({0}, 'symbol=')"
CHART_IFRAMES = etree.XPath(
    f"descendant::iframe[{_WIDGET} or (ancestor::*[@data-role = 'content']"
    f" and (({_CHART.format('@src')}) or ({_CHART.format('@data-src')})))]"
)
_IN_WIDGET = etree.XPath(f"boolean({_WIDGET})")

# Between the symbols of a widget title's label, before its `: ` (`VHM: `, `VEA&VNM: `).
_WIDGET_TICKER_SEPARATORS = re.compile(r"[&,;/\s]+")
# `/du-lieu/hose/hpx-cong-ty-co-phan-dau-tu-hai-phat.chn` → HPX; not an index's page
# (`/du-lieu/hnx/hnx-index.chn`: HNX is the exchange).
_DATA_LINK_TICKER = re.compile(
    r"/du-lieu/(?:[a-z]+/)?([a-z0-9]{3})-(?!index\.chn$)[^/]*\.chn$", re.I
)


def label_symbols(title: str) -> list[str]:
    """The symbols of a widget title (a link of `WIDGET_TICKERS`): its label before the `:`,
    one company (`VHM: `) or several at once (`VEA&VNM: `)."""
    return _WIDGET_TICKER_SEPARATORS.split(title.split(":", 1)[0])


def chart_of_the_article(iframe) -> bool:
    """False for a ticker chart inside a related-news box, the TIN MỚI box or an ad shell of
    the body: another story's company, as a company link there is. A chart of the ticker
    widget is the article's wherever the widget is."""
    node = iframe.getparent()
    while node is not None and node.get("data-role") != "content":
        if is_clutter(node):
            return node.tag == "div" and has_class(node, "chisochungkhoan")
        node = node.getparent()
    return True


def chart_symbols(iframe) -> list[str]:
    """The `symbol=` values of the address of the chart an iframe of `CHART_IFRAMES` shows."""
    try:
        return parse_qs(urlsplit(_chart_address(iframe)).query).get("symbol", [])
    except ValueError:
        return []


def _chart_address(iframe) -> str:
    """The address of the chart an iframe of `CHART_IFRAMES` shows: its `src`, or its lazy
    `data-src` when the `src` is no chart (a placeholder such as `about:blank`, or in the text
    another site's chart), so the symbol is read from the address that made it count."""
    in_widget = _IN_WIDGET(iframe)
    for name in ("src", "data-src"):
        value = (iframe.get(name) or "").strip()
        if "symbol=" in value and (in_widget or "info-company" in value):
            return value
    return ""


def data_link_symbol(href: str) -> str | None:
    """The symbol of a link to a company's data page (`/du-lieu/hose/hpx-….chn` is HPX), or
    None (an index's page, `/du-lieu/hnx/hnx-index.chn`, or no such link)."""
    try:
        match = _DATA_LINK_TICKER.search(urlsplit(href.strip()).path)
    except ValueError:
        match = None
    return match.group(1) if match else None
