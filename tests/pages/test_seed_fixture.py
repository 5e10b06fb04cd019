"""The rebuilt seed page is exactly what tests/fixtures/seed/build_seed.py makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SEED_DIR = Path(__file__).parent.parent / "fixtures" / "seed"


def load_builder():
    spec = importlib.util.spec_from_file_location("build_seed", SEED_DIR / "build_seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_seed_page_is_the_builders_output():
    builder = load_builder()
    built = builder.build_seed_html(
        builder.FRAME.read_text(encoding="utf-8"), builder.SEED_TEXT.read_text(encoding="utf-8")
    )
    assert (SEED_DIR / "momo_2023-10-24.html").read_text(encoding="utf-8") == built


def test_seed_text_is_read_as_sapo_plus_six_body_paragraphs():
    seed = load_builder().read_seed(
        (SEED_DIR.parent / "seed_article_momo_2023-10-24.txt").read_text(encoding="utf-8")
    )
    assert seed["title"] == "MoMo bác bỏ tin đồn lan truyền trên mạng xã hội về sự cố mới đây"
    assert seed["sapo"].startswith("MoMo cho biết, việc MoMo bảo trì hệ thống")
    assert [p[:20] for p in seed["body"]] == [
        "Theo đó, ngày 19/10/",
        "Trong những ngày gần",
        "Cụ thể, trên các nền",
        "Theo MoMo, việc đưa ",
        "Ông Nguyễn Bá Diệp, ",
        "MoMo thông tin thêm,",
    ]
    assert (seed["author"], seed["source"]) == ("Ngọc Điệp", "Nhịp sống thị trường")
    assert seed["iso_date"] == "2023-10-24T10:31:00"
