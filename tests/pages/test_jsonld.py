"""The lenient JSON-LD reading: blocks a strict parser refuses, and the shapes schema.org allows."""

from __future__ import annotations

from newsscraper.pages.jsonld import (
    first_of_type,
    has_type,
    iter_json_ld_objects,
    json_ld_objects,
    load_lenient,
    names_value,
    string_value,
)


def test_a_raw_control_character_in_a_string_is_read():
    # A line break typed into a hand-templated description is not valid JSON: the whole block,
    # byline and dates with it, would be lost.
    assert load_lenient('{"description": "một\ndòng", "author": {"name": "PV"}}') == {
        "description": "một\ndòng",
        "author": {"name": "PV"},
    }


def test_a_trailing_comma_is_read():
    assert load_lenient('{"keywords": ["a", "b",], "name": "x",}') == {
        "keywords": ["a", "b"],
        "name": "x",
    }
    # A template puts the closing bracket on a line of its own.
    assert load_lenient('{"keywords": ["a", "b",\n    ],\n  "name": "x",\n}') == {
        "keywords": ["a", "b"],
        "name": "x",
    }


def test_objects_of_nested_lists_and_graphs_are_all_found_in_document_order():
    block = (
        '[[{"@type": "Organization"}], {"@graph": [{"@type": "BreadcrumbList"}]},'
        ' {"@type": "NewsArticle"}]'
    )
    assert [obj.get("@type") for obj in json_ld_objects([block])] == [
        "Organization",
        None,
        "BreadcrumbList",
        "NewsArticle",
    ]


def test_a_graph_of_one_object_is_read():
    # JSON-LD allows `@graph` to hold a single object rather than a list of them.
    block = (
        '{"@context": "https://schema.org",'
        ' "@graph": {"@type": "NewsArticle", "headline": "Hòa Phát lãi lớn"}}'
    )
    article = first_of_type(json_ld_objects([block]), "NewsArticle")
    assert article == {"@type": "NewsArticle", "headline": "Hòa Phát lãi lớn"}


def test_blocks_after_the_article_are_not_read():
    read = []

    def blocks():
        for block in (
            '{"@type": "Organization", "name": "cafef"}',
            '{"@type": "NewsArticle", "headline": "x"}',
            '{"@type": "BreadcrumbList"}',
        ):
            read.append(block)
            yield block

    article = first_of_type(iter_json_ld_objects(blocks()), "NewsArticle")
    assert article == {"@type": "NewsArticle", "headline": "x"}
    assert len(read) == 2


def test_a_type_given_as_a_list_is_matched():
    article = {"@type": ["NewsArticle", "Article"], "headline": "x"}
    assert has_type(article, "Article")
    assert not has_type({"@type": ["Organization"]}, "NewsArticle")
    assert first_of_type([{"@type": "Organization"}, article], "NewsArticle") is article


def test_person_fields_of_lists_and_padding():
    assert string_value([{"name": "Ngọc Điệp"}, {"name": "PV"}]) == "Ngọc Điệp"
    assert string_value([]) is None
    assert names_value([{"name": " Ngọc Điệp "}, {"name": "  "}, "PV"]) == "Ngọc Điệp, PV"


def test_a_field_that_is_no_string_has_no_value():
    # A number, a boolean or an object without a name: nothing to store as text.
    assert string_value(2026) is None
    assert string_value(True) is None
    assert string_value({"name": 123}) is None
    assert string_value([{"@id": "#author"}]) is None
    assert names_value([{"name": 7}, "PV"]) == "PV"
    assert names_value([{"name": 7}, "  "]) is None
    assert names_value([]) is None
