"""simhash: the documented algorithm, stability across processes, NFC, signed storage."""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from newsscraper.simhash import (
    _TokenHashes,
    hamming,
    simhash,
    simhash_of_tokens,
    to_signed,
    to_unsigned,
)

SEED = Path(__file__).parent / "fixtures" / "seed_article_momo_2023-10-24.txt"
M64 = (1 << 64) - 1


def seed_body() -> str:
    """The five body paragraphs of the seed article (after the lead, before the byline)."""
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Theo đó"))
    end = lines.index("Ngọc Điệp")
    return "\n\n".join(lines[start:end])


def words(text: str) -> list[str]:
    """DATA_FORMAT.md's words: one regex over the NFC, case-folded text."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).casefold())


def shingles(tokens: list[str], size: int = 3) -> list[tuple[str, ...]]:
    """DATA_FORMAT.md's features: overlapping runs of 3 words; fewer words make one."""
    if len(tokens) <= size:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def reference_shingle_hash(*tokens: str) -> int:
    """DATA_FORMAT.md's shingle hash, written out in plain integers."""

    def word(w: str) -> int:
        return int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (64 - r))) & M64 if r else x

    z = 0
    for k, token in enumerate(tokens):
        z ^= rotl(word(token), 21 * k)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Doanh nghiệp", ["doanh", "nghiệp"]),
        ("Vingroup (VIC): lãi 2.000 tỷ!", ["vingroup", "vic", "lãi", "2", "000", "tỷ"]),
        ("ĐẠI HỘI cổ đông", ["đại", "hội", "cổ", "đông"]),
        # NFD input, as CafeF's CMS sometimes sends it, gives the same NFC words.
        (unicodedata.normalize("NFD", "Hòa Phát"), ["hòa", "phát"]),
        ("— , .", []),
    ],
)
def test_words_are_nfc_lowercase_without_punctuation(text, expected):
    # The reference rule gives these words, and the simhash sees the text as just them.
    assert words(text) == expected
    assert simhash(text) == simhash(" ".join(expected))


def test_one_shingle_text_has_that_shingles_hash():
    # With a single feature every bit takes the feature's own value.
    assert simhash("Tập đoàn Masan") == reference_shingle_hash("tập", "đoàn", "masan")
    assert simhash("FPT") == reference_shingle_hash("fpt")


def test_majority_vote_over_shingles():
    text = "cổ phiếu ngân hàng tăng mạnh"
    features = [reference_shingle_hash(*s) for s in shingles(words(text))]
    expected = sum(
        1 << bit for bit in range(64) if 2 * sum((f >> bit) & 1 for f in features) > len(features)
    )
    assert simhash(text) == expected


def test_empty_text_is_zero():
    assert simhash("") == 0
    assert simhash(" … ") == 0


def test_case_does_not_change_the_hash():
    # Tokens are cached as written and folded one by one: each spelling gives the same words.
    assert simhash("ĐẠI HỘI Cổ Đông Vinamilk") == simhash("đại hội cổ đông vinamilk")
    assert simhash("STRASSE Straße") == simhash("strasse strasse")


def test_no_character_folds_to_or_from_whitespace():
    # Why folding token by token gives the folded text's tokens (`simhash_of_tokens`).
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = char.casefold()
        if char.isspace():
            assert folded == char, hex(code)
        else:
            assert not any(c.isspace() for c in folded), hex(code)


def test_nfd_and_nfc_bodies_hash_alike():
    body = seed_body()
    assert simhash(unicodedata.normalize("NFD", body)) == simhash(body)


def test_stable_across_processes_with_different_hash_seeds():
    code = "import sys; from newsscraper.simhash import simhash; print(simhash(sys.argv[1]))"
    text = "Thế Giới Di Động đóng cửa 200 cửa hàng Bách Hóa Xanh"
    values = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, text], capture_output=True, text=True, check=True, env=env
        )
        values.add(int(out.stdout))
    assert values == {simhash(text)}


def test_one_word_changed_in_a_long_body_is_near_and_another_text_is_far():
    body = seed_body()
    edited = body.replace("ngày 19/10/2023", "ngày 20/10/2023", 1)
    assert edited != body
    other = "Hòa Phát công bố kết quả kinh doanh quý 3: doanh thu 34.000 tỷ đồng. " * 3
    assert hamming(simhash(body), simhash(edited)) <= 3
    assert hamming(simhash(body), simhash(other)) > 10


@pytest.mark.parametrize(
    ("unsigned", "signed"),
    [
        (0, 0),
        (1, 1),
        ((1 << 63) - 1, (1 << 63) - 1),
        (1 << 63, -(1 << 63)),
        (M64, -1),
        (0xF000000000000000, -0x1000000000000000),
    ],
)
def test_signed_storage_round_trips(unsigned, signed):
    assert to_signed(unsigned) == signed
    assert to_unsigned(signed) == unsigned


def test_hamming_treats_signed_and_unsigned_alike():
    assert hamming(0, M64) == 64
    assert hamming(-1, 0) == 64
    assert hamming(to_signed(0b1011 << 60), 0b0011 << 60) == 1


def test_a_whole_body_matches_the_documented_computation():
    # Words as DATA_FORMAT.md defines them (one regex over the NFC, case-folded text), shingles
    # and majority vote in plain integers: the stored values must not drift.
    body = seed_body() + "\n\nVingroup (VIC): lãi 2.000 tỷ!_ĐẠI HỘI cổ đông… “Hòa-Phát” ½"
    tokens = words(body)
    features = [reference_shingle_hash(*shingle) for shingle in shingles(tokens)]
    expected = sum(
        1 << bit for bit in range(64) if 2 * sum((f >> bit) & 1 for f in features) > len(features)
    )
    assert simhash(body) == expected


def test_token_cache_stays_bounded_and_gives_the_same_hashes():
    cache = _TokenHashes(limit=3)
    tokens = ["Hòa", "Phát", "(VIC):", "lãi", "—", "Hòa"]
    values = [cache[token] for token in tokens]
    assert len(cache) <= 3
    assert values[0] == values[-1] == _TokenHashes(limit=10)["hòa"]  # folded, refilled alike
    assert values[4] == b""  # no word in it
    assert len(values[2]) == 8 * 3  # one word, with its two rotations


def reference_simhash(text: str) -> int:
    """DATA_FORMAT.md's simhash of a text, every step in plain integers."""
    features = [reference_shingle_hash(*shingle) for shingle in shingles(words(text))]
    return sum(
        1 << bit for bit in range(64) if 2 * sum((f >> bit) & 1 for f in features) > len(features)
    )


def test_token_lists_of_every_length_match_the_plain_integer_computation():
    # Bodies of no word, of fewer words than a shingle and of many, with tokens of several
    # words, of none, and of other scripts, against the reference of the joined text.
    vocabulary = [
        "Hòa", "Phát", "cổ", "phiếu", "ĐẠI", "HỘI", "2.000", "tỷ!", "(VIC):", "Hòa-Phát",
        "a-b", "x_y_z", "—", "–", "…", "½", "İstanbul", "Straße", "日本語", "Москва", "مرحبا",
        "“Vinamilk”", "1", "a", "A",
    ]  # fmt: skip
    rng = random.Random(20240611)
    cases = [[], ["—"], ["a"], ["a-b"], ["a", "b"], ["a-b-c"], ["a", "b", "c"], ["—", "a", "—"]]
    for _ in range(3000):
        length = rng.choice([0, 1, 2, 3, 4, 5, rng.randint(0, 40), rng.randint(0, 40)])
        cases.append([rng.choice(vocabulary) for _ in range(length)])
    cases += [[rng.choice(vocabulary) for _ in range(length)] for length in (255, 256, 511, 700)]
    for tokens in cases:
        assert simhash_of_tokens(tokens) == reference_simhash(" ".join(tokens)), tokens
