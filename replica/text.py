"""Vietnamese business-news text for synthetic articles: phrase banks and a seeded writer.

The replica needs text that looks like CafeF's Doanh nghiệp stories to the code that reads it:
diacritics in NFC, several paragraphs, company names with their stock tickers, numbers in the
Vietnamese style (`1.250 tỷ đồng`, `12,5%`). Content is nonsense; shape is what matters.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Company:
    ticker: str
    exchange: str  # hose, hnx, upcom: the path segment of CafeF's /du-lieu/ pages
    short_name: str
    legal_name: str

    @property
    def data_path(self) -> str:
        """CafeF's company page, the target of in-text `a.s-datacafef` links."""
        return f"/du-lieu/{self.exchange}/{self.ticker.lower()}-{slugify(self.legal_name)}.chn"


COMPANIES: tuple[Company, ...] = (
    Company("HPG", "hose", "Hòa Phát", "Công ty Cổ phần Tập đoàn Hòa Phát"),
    Company("VNM", "hose", "Vinamilk", "Công ty Cổ phần Sữa Việt Nam"),
    Company("MSN", "hose", "Masan", "Công ty Cổ phần Tập đoàn Masan"),
    Company("FPT", "hose", "FPT", "Công ty Cổ phần FPT"),
    Company("VIC", "hose", "Vingroup", "Tập đoàn Vingroup - Công ty Cổ phần"),
    Company("VHM", "hose", "Vinhomes", "Công ty Cổ phần Vinhomes"),
    Company("MWG", "hose", "Thế Giới Di Động", "Công ty Cổ phần Đầu tư Thế Giới Di Động"),
    Company("PNJ", "hose", "PNJ", "Công ty Cổ phần Vàng bạc Đá quý Phú Nhuận"),
    Company("SAB", "hose", "Sabeco", "Tổng Công ty Cổ phần Bia - Rượu - Nước giải khát Sài Gòn"),
    Company("PLX", "hose", "Petrolimex", "Tập đoàn Xăng dầu Việt Nam"),
    Company("HPX", "hose", "Hải Phát Invest", "Công ty Cổ phần Đầu tư Hải Phát"),
    Company("HSG", "hose", "Hoa Sen", "Công ty Cổ phần Tập đoàn Hoa Sen"),
    Company("MSH", "hose", "May Sông Hồng", "Công ty Cổ phần May Sông Hồng"),
    Company("DPG", "hose", "Đạt Phương", "Công ty Cổ phần Tập đoàn Đạt Phương"),
    Company("SHS", "hnx", "Chứng khoán SHS", "Công ty Cổ phần Chứng khoán Sài Gòn - Hà Nội"),
    Company("PVS", "hnx", "PTSC", "Tổng Công ty Cổ phần Dịch vụ Kỹ thuật Dầu khí Việt Nam"),
    Company("CEO", "hnx", "C.E.O Group", "Công ty Cổ phần Tập đoàn C.E.O"),
    Company("ACV", "upcom", "ACV", "Tổng Công ty Cảng hàng không Việt Nam - CTCP"),
    Company("BSR", "upcom", "Lọc hóa dầu Bình Sơn", "Công ty Cổ phần Lọc hóa dầu Bình Sơn"),
    Company("VEA", "upcom", "VEAM", "Tổng Công ty Máy động lực và Máy nông nghiệp Việt Nam"),
)

# Each {placeholder} is filled by `ArticleWriter`; {c} is the company's short name.
TITLES = (
    "{c} đặt mục tiêu lợi nhuận {money} năm {year}",
    "{c} báo lãi quý {q} tăng {pct} so với cùng kỳ",
    "Chủ tịch {c} đăng ký mua {shares} cổ phiếu {t}",
    "{c} chốt ngày trả cổ tức bằng tiền mặt tỷ lệ {pct}",
    "{c} muốn huy động {money} qua phát hành trái phiếu",
    "Doanh thu của {c} lập kỷ lục mới, vượt {money}",
    "{c} lên kế hoạch chia cổ tức {pct}, mở rộng nhà máy thứ {n}",
    "Cổ đông lớn của {c} bán ra {shares} cổ phiếu {t}",
    "{c} được cấp hạn mức tín dụng {money}",
    "Lợi nhuận quý {q} của {c} giảm {pct} do chi phí đầu vào tăng",
)

SAPOS = (
    "{c} vừa công bố kế hoạch kinh doanh năm {year} với doanh thu {money} và lợi nhuận trước "
    "thuế tăng {pct} so với năm trước.",
    "Theo báo cáo tài chính quý {q}, {c} ghi nhận lợi nhuận sau thuế {money}, mức cao nhất "
    "kể từ khi niêm yết.",
    "Hội đồng quản trị {c} đã thông qua phương án phát hành thêm {shares} cổ phiếu để tăng vốn "
    "điều lệ, dự kiến thực hiện trong quý {q}.",
    "Ban lãnh đạo {c} cho biết doanh nghiệp sẽ tập trung vào thị trường nội địa, tối ưu chuỗi "
    "phân phối và kiểm soát chặt chẽ rủi ro trong năm {year}.",
)

SENTENCES = (
    "Trong năm {year}, {c} đặt mục tiêu doanh thu {money}, tăng {pct} so với thực hiện năm trước.",
    "Lợi nhuận trước thuế dự kiến đạt {money}, tương đương {pct} kế hoạch cả năm.",
    "Theo ban lãnh đạo, biên lợi nhuận gộp được cải thiện nhờ giá nguyên vật liệu hạ nhiệt.",
    "Doanh nghiệp cho biết sẽ dành khoảng {money} cho đầu tư mở rộng nhà máy và hệ thống kho bãi.",
    "Tính đến cuối quý {q}, tổng tài sản của công ty đạt {money}, tăng {pct} so với đầu năm.",
    "Nợ vay ngắn hạn giảm mạnh, trong khi lượng tiền mặt và tiền gửi ngân hàng tăng lên {money}.",
    "Trên thị trường, cổ phiếu {t} đóng cửa phiên gần nhất ở mức {price} đồng/cổ phiếu.",
    "Vốn hóa thị trường của doanh nghiệp hiện vào khoảng {money}.",
    "Đại hội đồng cổ đông thường niên dự kiến được tổ chức vào cuối tháng {month} tại Hà Nội.",
    "Công ty cũng trình cổ đông phương án chia cổ tức tỷ lệ {pct} bằng tiền mặt.",
    "Giao dịch dự kiến được thực hiện theo phương thức khớp lệnh hoặc thỏa thuận.",
    "Ban lãnh đạo đánh giá nhu cầu tiêu dùng trong nước đang phục hồi rõ nét từ quý {q}.",
    "Chi phí bán hàng và chi phí quản lý doanh nghiệp lần lượt tăng {pct} và {pct2}.",
    "Mảng xuất khẩu đóng góp khoảng {pct} doanh thu, chủ yếu sang thị trường Mỹ và châu Âu.",
    "Nhiều công ty chứng khoán nâng khuyến nghị đối với cổ phiếu {t} lên mức khả quan.",
    "Sau giao dịch, tỷ lệ sở hữu của cổ đông này dự kiến tăng lên {pct}.",
    "Doanh nghiệp khẳng định các dự án trọng điểm vẫn được triển khai đúng tiến độ.",
    "Khoản vay được dùng để bổ sung vốn lưu động phục vụ hoạt động sản xuất kinh doanh.",
)

_NAMING_SENTENCES = tuple(s for s in SENTENCES if "{c}" in s)

AUTHORS = (
    "Dương Ngọc",
    "Hồ Hương",
    "Ngọc Điệp",
    "Minh Anh",
    "Thu Hà",
    "Phạm Tuấn",
    "Lê Hoàng",
    "Khánh Linh",
    "Quang Huy",
    "Bảo Trâm",
)
DESK_CODES = ("PV", "H.Y", "T.L", "M.A")

# (outlet, the host of its site)
SOURCES = (
    ("Nhịp sống thị trường", "markettimes.vn"),
    ("Đại Đoàn kết", "daidoanket.vn"),
    ("An ninh tiền tệ", "antt.nguoiduatin.vn"),
    ("Người lao động", "nld.com.vn"),
    ("Tiền phong", "tienphong.vn"),
    ("Doanh nghiệp và Tiếp thị", "doanhnghiepvatiepthi.vn"),
)

TAGS = (
    "doanh nghiệp",
    "cổ phiếu",
    "lợi nhuận",
    "cổ tức",
    "kế hoạch kinh doanh",
    "đại hội cổ đông",
    "trái phiếu",
    "chứng khoán",
    "tăng vốn",
    "báo cáo tài chính",
    "xuất khẩu",
    "bất động sản",
)

_ASCII_FOLD = str.maketrans({"đ": "d", "Đ": "D"})
_SLUG_BREAKS = frozenset(" \t\r\n-/")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slugify(text: str) -> str:
    """CafeF-style ASCII slug: diacritics dropped, words joined by `-`.

    As in the saved pages' links, spaces, `-` and `/` part words (`Phiên 5/3` → `phien-5-3`)
    and any other mark is dropped, so a number keeps its digits together (`6.400 tỷ` →
    `6400-ty`, `1,5` → `15`); so is a non-breaking space (`hoạch\xa0lợi` → `hoachloi`).
    """
    folded = unicodedata.normalize("NFD", text.translate(_ASCII_FOLD))
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    kept = (" " if ch in _SLUG_BREAKS else ch for ch in ascii_only)
    return "-".join("".join(ch for ch in kept if ch.isalnum() or ch == " ").split())


def vn_number(value: int) -> str:
    """`1250` → `1.250`: Vietnamese thousands separator."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Story:
    """The words of one article, before any markup."""

    title: str
    sapo: str
    paragraphs: tuple[str, ...]
    companies: tuple[Company, ...]
    author: str  # as printed, may start with `Theo `
    source: str | None
    source_url: str | None
    tags: tuple[str, ...]


class ArticleWriter:
    """Writes one `Story` from a seeded random generator (same seed, same story)."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year

    def _fill(self, pattern: str, company: Company) -> str:
        rng = self.rng
        return pattern.format(
            c=company.short_name,
            t=company.ticker,
            money=f"{vn_number(rng.randint(12, 9_800))} tỷ đồng",
            pct=f"{rng.randint(3, 95)}%",
            pct2=f"{rng.randint(2, 40)},{rng.randint(1, 9)}%",
            shares=f"{rng.randint(1, 60)} triệu",
            price=vn_number(rng.randint(80, 1_500) * 100),
            q=rng.randint(1, 4),
            n=rng.randint(2, 6),
            month=rng.randint(3, 6),
            year=self.year,
        )

    def story(self) -> Story:
        rng = self.rng
        companies = tuple(rng.sample(COMPANIES, rng.choice((1, 1, 2))))
        lead = companies[0]
        title = self._fill(rng.choice(TITLES), lead)
        sapo = self._fill(rng.choice(SAPOS), lead)
        paragraphs = []
        for index in range(rng.randint(4, 7)):
            # Each company is named early (paragraph 1, 2, …): its in-text link goes there.
            named = index < len(companies)
            company = companies[index] if named else rng.choice(companies)
            picked = rng.sample(SENTENCES, rng.randint(2, 4))
            if named:
                picked[0] = rng.choice(_NAMING_SENTENCES)
            paragraphs.append(" ".join(self._fill(s, company) for s in picked))
        author = rng.choice(AUTHORS) if rng.random() < 0.85 else rng.choice(DESK_CODES)
        if rng.random() < 0.35:
            author = f"Theo {author}"
        source = source_url = None
        if rng.random() < 0.5:
            source, host = rng.choice(SOURCES)
            source_url = f"https://{host}/{slugify(title)}-{rng.randint(10_000, 999_999)}.html"
        tags = (*rng.sample(TAGS, rng.randint(2, 5)), lead.short_name.lower())
        return Story(
            title=nfc(title),
            sapo=nfc(sapo),
            paragraphs=tuple(nfc(p) for p in paragraphs),
            companies=companies,
            author=nfc(author),
            source=nfc(source) if source else None,
            source_url=source_url,
            tags=tuple(nfc(t) for t in tags),
        )

    def near_copy(self, story: Story) -> Story:
        """The same story with a few words changed: what a syndicated copy looks like."""
        paragraphs = list(story.paragraphs)
        paragraphs[-1] = paragraphs[-1].replace(" đạt ", " lên tới ", 1) + " Theo doanh nghiệp."
        return Story(
            title=story.title + " (cập nhật)",
            sapo=story.sapo,
            paragraphs=tuple(paragraphs),
            companies=story.companies,
            author=story.author,
            source=story.source,
            source_url=story.source_url,
            tags=story.tags,
        )
