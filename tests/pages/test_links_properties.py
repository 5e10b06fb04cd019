"""canonical_article_url on generated addresses: one form, the same article whatever host,
query or fragment came with the path, and nothing else ever raises or passes for an article."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from newsscraper.pages.links import article_id_from_url, canonical_article_url

CANONICAL = re.compile(r"https://cafef\.vn/(?P<slug>[A-Za-z0-9-]+)-(?P<id>[0-9]{17,18})\.chn")

any_character = st.characters(codec=None, categories=None, exclude_categories=())
slugs = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1)
ids = st.integers(10**16, 10**18 - 1).map(str)
hosts = st.sampled_from(
    ["https://cafef.vn", "http://www.cafef.vn", "http://127.0.0.1:8765", "https://x.example", ""]
)
url_characters = st.text(st.sampled_from("abc=&%/?;:.-_ \u200bả0123456789"), max_size=12)
texts = st.one_of(
    st.text(any_character),
    st.builds("{}/{}-{}.chn{}".format, hosts, slugs, ids, url_characters),
    st.builds("{}{}".format, url_characters, st.text(any_character, max_size=5)),
)


@given(texts)
def test_a_canonical_url_is_of_the_one_form_and_canonical_again(text):
    url = canonical_article_url(text)
    if url is not None:
        match = CANONICAL.fullmatch(url)
        assert match, url
        assert match["id"] == article_id_from_url(text) == article_id_from_url(url)
    assert canonical_article_url(url) == url


@given(hosts, slugs, ids, url_characters, url_characters)
def test_host_query_and_fragment_do_not_change_the_article(host, slug, id_, query, fragment):
    expected = f"https://cafef.vn/{slug}-{id_}.chn"
    url = f"{host}/{slug}-{id_}.chn?{query.replace('#', '')}#{fragment}"
    assert canonical_article_url(url) == expected
    assert canonical_article_url(f" {url}\n") == expected


@given(slugs, st.text(st.characters(categories=["Nd"]), min_size=17, max_size=18))
def test_an_id_of_other_digits_than_ascii_is_no_article(slug, digits):
    url = f"https://cafef.vn/{slug}-{digits}.chn"
    assert canonical_article_url(url) == (url if digits.isascii() else None)
