"""One synthetic article of the replica: what its page shows and what a crawler should extract."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from .text import Company, Story, slugify

VIETNAM = dt.timezone(dt.timedelta(hours=7), "+07")
CANONICAL_BASE = "https://cafef.vn"
CDN = "https://cafefcdn.com"

SECTION_NAMES: dict[str, str] = {
    "doanh-nghiep": "Doanh nghiệp",
    "thi-truong-chung-khoan": "Thị trường chứng khoán",
    "tai-chinh-quoc-te": "Tài chính quốc tế",
    "vi-mo-dau-tu": "Vĩ mô – Đầu tư",
    "tai-chinh-ngan-hang": "Tài chính – Ngân hàng",
    "bat-dong-san": "Bất động sản",
    "thi-truong": "Thị trường",
}


@dataclass(frozen=True)
class Quirks:
    """Data-quality cases an article can be served with (see `ReplicaSite`)."""

    nfd: bool = False  # its text goes out in decomposed Unicode
    no_title: bool = False  # the title markup is there, empty
    soft_block: bool = False  # its page is always the rate-limit page
    absolute_link: bool = False  # listings link it as https://cafef.vn/... instead of /...


@dataclass(frozen=True)
class SyntheticArticle:
    serial: int  # order of creation in the model; the initial ones are 0 (newest) … n-1
    article_id: str
    section: str
    zone_id: int
    template: str  # "older" (h2.sapo) or "newer" (p.sapo, itemprop, author in the header)
    story: Story
    published_at: dt.datetime  # aware, Vietnam time
    modified_at: dt.datetime
    cover_path: str  # CDN path of the cover image, as in `hdAvatar`
    body_image_path: str
    quirks: Quirks = field(default_factory=Quirks)

    # --- addresses ---------------------------------------------------------------------------
    @property
    def slug(self) -> str:
        return slugify(self.story.title) or "bai-viet"

    @property
    def path(self) -> str:
        """Site-relative URL, as listings link it: `/<slug>-<id>.chn`."""
        return f"/{self.slug}-{self.article_id}.chn"

    @property
    def url(self) -> str:
        return CANONICAL_BASE + self.path

    @property
    def category(self) -> str:
        return SECTION_NAMES[self.section]

    @property
    def tickers(self) -> list[str]:
        return [company.ticker for company in self.story.companies]

    @property
    def lead_company(self) -> Company:
        return self.story.companies[0]

    @property
    def cover_url(self) -> str:
        """The cover as the page gives it first: `img[data-role=cover]` in the older template,
        `og:image` in the newer one, which has no cover element."""
        width = 640 if self.template == "older" else 1200
        return f"{CDN}/thumb_w/{width}/{self.cover_path}"

    @property
    def body_image_url(self) -> str:
        return f"{CDN}/{self.body_image_path}"

    # --- what the page says, before serving quirks -------------------------------------------
    @property
    def title(self) -> str:
        return "" if self.quirks.no_title else self.story.title

    @property
    def author(self) -> str:
        """The author without the `Theo ` ("according to") the page prints before some names."""
        return self.story.author.removeprefix("Theo ")

    @property
    def body(self) -> str:
        return "\n\n".join(self.story.paragraphs)

    def served(self, text: str) -> str:
        """Text as it goes out on the wire: NFD for articles with that quirk."""
        return unicodedata.normalize("NFD", text) if self.quirks.nfd else text

    def expected_fields(self) -> dict[str, object]:
        """The `Article` fields a correct crawl extracts from this page (before stamping).

        Texts are NFC whatever the wire form; times are UTC; `image_urls` is `cover_url`
        followed by the in-body image.
        """
        published_utc = self.published_at.astimezone(dt.UTC)
        return {
            "article_id": self.article_id,
            "url": self.url,
            "section": self.section,
            "category": self.category,
            "title": self.story.title if not self.quirks.no_title else None,
            "sapo": self.story.sapo,
            "body": self.body,
            "author": self.author,
            "source": self.story.source,
            "source_url": self.story.source_url,
            "published_at": published_utc,
            "modified_at": self.modified_at.astimezone(dt.UTC),
            "published_date": self.published_at.date(),
            "tags": list(self.story.tags),
            "tickers": self.tickers,
            "image_urls": [self.cover_url, self.body_image_url],
        }
