"""BM25 analysis: normalised words, stop words, French and English plurals, product texts."""

from __future__ import annotations

import pytest

from handshake.assistant.documents import ProductDocument
from handshake.assistant.terms import passage_text, product_text, stem, terms


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("chaussures", "chaussure"),
        ("boxes", "box"),
        ("ampoules", "ampoule"),
        ("thermostats", "thermostat"),
        ("shoes", "shoe"),
        ("glasses", "glass"),
        ("glass", "glass"),
        ("chevaux", "cheval"),
        ("bateaux", "bateau"),
        ("leds", "led"),
        ("bus", "bus"),
        ("aa", "aa"),
        ("ip65", "ip65"),
        ("e27", "e27"),
    ],
)
def test_stem_folds_plurals(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ("battery", "batteries", "batterie"),
        ("watch", "watches"),
        ("douche", "douches"),
        ("box", "boxes"),
        ("serie", "series"),
        ("city", "cities"),
    ],
)
def test_singular_and_plural_of_both_languages_meet(variants: tuple[str, ...]) -> None:
    assert len({stem(word) for word in variants}) == 1


def test_terms_normalise_drop_stop_words_and_keep_short_codes() -> None:
    assert terms("Les Chaussures de course pour l'été, avec des lacets") == [
        "chaussure",
        "course",
        "ete",
        "lacet",
    ]
    assert terms("The LED bulbs for an E27 socket, IP65 and AA batteries") == [
        "led",
        "bulb",
        "e27",
        "socket",
        "ip65",
        "aa",
        "batteri",
    ]


def test_terms_keep_repeats_and_digits() -> None:
    assert terms("Kettle 1.7 litres, kettle") == ["kettle", "1", "7", "litre", "kettle"]
    assert terms("") == []
    assert terms("le la les") == []


def _doc(**changes: object) -> ProductDocument:
    fields: dict[str, object] = {
        "product_id": "p1",
        "handle": "kettle",
        "brand": "Brewster",
        "category_path": "kitchen/appliances",
        "category_names": ("Appliances", "Électroménager", "Kitchen", "Cuisine"),
        "title_en": "Electric kettle",
        "title_fr": "Bouilloire électrique",
        "description_en": "Boils water in three minutes. Auto shut-off. Limescale filter.",
        "description_fr": "Fait bouillir l'eau en trois minutes. Arrêt automatique.",
        "attributes": {"capacityLitres": 1.7, "cordless": True, "dishwasher_safe": False},
        "options": {"Colour": ("Black", "Steel")},
        "skus": ("BRW-K17-BLK",),
    }
    fields.update(changes)
    return ProductDocument(**fields)  # type: ignore[arg-type]


def test_product_text_holds_everything_keyword_search_matches() -> None:
    text_terms = terms(product_text(_doc()))

    for expected in ["kettle", "bouilloire", "brewster", "electromenager", "cuisine"]:
        assert expected in text_terms
    assert "limescale" in text_terms  # later sentences of descriptions too
    assert text_terms[text_terms.index("capaciti") :][:4] == ["capaciti", "litre", "1", "7"]
    assert "cordless" in text_terms
    assert "dishwasher" not in text_terms  # a false flag must not match its own name
    assert text_terms[text_terms.index("colour") :][:3] == ["colour", "black", "steel"]
    assert text_terms[-3:] == ["brw", "k17", "blk"]


def test_passage_text_is_short_names_and_first_sentences() -> None:
    assert passage_text(_doc()) == (
        "Electric kettle. Bouilloire électrique. Brewster. "
        "Appliances, Électroménager, Kitchen, Cuisine. "
        "Boils water in three minutes. Fait bouillir l'eau en trois minutes"
    )


def test_passage_text_skips_a_repeated_title_and_stays_under_400_characters() -> None:
    doc = _doc(title_fr="Electric kettle", description_en="word " * 200, description_fr="")

    text = passage_text(doc)

    assert text.count("Electric kettle") == 1
    assert len(text) <= 400
    assert text.endswith("word")
