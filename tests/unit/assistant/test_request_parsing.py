"""A shopper's message read into the need, its hard filters and its price wishes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handshake.assistant.constraints import Constraints
from handshake.assistant.request_parsing import CatalogVocabulary, ParsedRequest, parse_request

TODAY = date(2026, 11, 30)  # a Monday

VOCABULARY = CatalogVocabulary(
    brands=("Lumo", "Nordic Home", "On", "L'Atelier"),
    categories={
        "smart-home": ("Smart home", "Maison connectée"),
        "smart-home/thermostats": ("Thermostats", "Thermostats"),
        "smart-home/smart-locks": ("Smart locks", "Serrures connectées"),
        "phones": ("Phones", "Téléphones"),
        "phones/accessories": ("Accessories", "Accessoires"),
        "audio/accessories": ("Accessories", "Accessoires"),
        "power/batteries": ("Batteries", "Piles"),
    },
    option_values={
        "colour": ("white", "black", "grey"),
        "size": ("S", "M", "XL", "42", "43"),
        "material": ("oak", "wool", "a"),
    },
    currency="EUR",
)


_SHORT_PATHS = {"th": "smart-home/thermostats", "lock": "smart-home/smart-locks"}


def parse(text: str, language: str | None = None) -> ParsedRequest:
    return parse_request(text, VOCABULARY, today=TODAY, language=language)


@pytest.mark.parametrize(
    ("text", "need", "constraints"),
    [
        # Maximum price, with the ways amounts are written.
        (
            "white thermostat under 49,90€",
            "white thermostat",
            {"high": 4990, "cat": {"th"}, "colour": {"white"}},
        ),
        ("thermostat under 49.90 €", "thermostat", {"high": 4990, "cat": {"th"}}),
        ("lamp less than 50 euros", "lamp", {"high": 5000}),
        ("lamp below €50", "lamp", {"high": 5000}),
        ("lamp max 50 eur", "lamp", {"high": 5000}),
        ("lamp up to $50", "lamp", {"high": 5000}),
        ("a lamp, no more than 50", "a lamp", {"high": 5000}),
        ("lamp 50 € max", "lamp", {"high": 5000}),
        ("une lampe à moins de 50 €", "une lampe", {"high": 5000}),
        ("une lampe pas plus de 39,5 €", "une lampe", {"high": 3950}),
        ("une lampe jusqu'à 50€", "une lampe", {"high": 5000}),
        ("une lampe maximum 50", "une lampe", {"high": 5000}),
        ("une lampe, budget de 120 €", "une lampe", {"high": 12000}),
        ("my budget is 80, a lamp", "a lamp", {"high": 8000}),
        ("lampe moins de 1 000 €", "lampe", {"high": 100000}),
        ("lampe 49€90 max", "lampe", {"high": 4990}),
        ("lamp less than $1,000.50", "lamp", {"high": 100050}),
        # Minimum price and ranges.
        ("lamp over 100", "lamp", {"low": 10000}),
        ("lamp at least 100 €", "lamp", {"low": 10000}),
        ("lampe plus de 100 €", "lampe", {"low": 10000}),
        ("lampe au moins 100", "lampe", {"low": 10000}),
        ("lampe minimum 100", "lampe", {"low": 10000}),
        ("lampe plus de 100 € et pas plus de 300 €", "lampe", {"low": 10000, "high": 30000}),
        ("lamp between 20 and 50", "lamp", {"low": 2000, "high": 5000}),
        ("lampe entre 20 et 50 €", "lampe", {"low": 2000, "high": 5000}),
        ("lampe 20-50€", "lampe", {"low": 2000, "high": 5000}),
        ("lampe de 20 à 50 €", "lampe", {"low": 2000, "high": 5000}),
        ("lamp from 20 to 50", "lamp", {"low": 2000, "high": 5000}),
        # Numbers that are not money.
        ("Lumo S 2 thermostat", "Lumo S 2 thermostat", {"brands": {"Lumo"}, "cat": {"th"}}),
        ("Lumo S 2 under 100", "Lumo S 2", {"brands": {"Lumo"}, "high": 10000}),
        ("pack of 4 AA batteries", "pack of 4 AA batteries", {"cat": {"power/batteries"}}),
        ("tent up to 4 people under 200 eur", "tent up to 4 people", {"high": 20000}),
        ("speaker, max 2 kg", "speaker, max 2 kg", {}),
        ("Lumo Max 2 thermostat", "Lumo Max 2 thermostat", {"brands": {"Lumo"}, "cat": {"th"}}),
        ("tente de 2 à 4 personnes", "tente de 2 à 4 personnes", {}),
        # Brands, categories, options.
        ("Nordic Home lamp", "Nordic Home lamp", {"brands": {"Nordic Home"}}),
        ("nordic-home lamp", "nordic-home lamp", {"brands": {"Nordic Home"}}),
        ("l'atelier chair", "l'atelier chair", {"brands": {"L'Atelier"}}),
        ("On running shoes", "On running shoes", {"brands": {"On"}}),
        ("shoes on a shelf", "shoes on a shelf", {}),
        ("serrures connectées", "serrures connectées", {"cat": {"lock"}}),
        ("a smart lock", "a smart lock", {"cat": {"lock"}}),
        ("smart home thermostat", "smart home thermostat", {"cat": {"th"}}),
        ("accessories for my phone", "accessories for my phone", {"cat": {"phones/accessories"}}),
        ("accessories", "accessories", {}),
        ("a case for my phone", "a case for my phone", {}),
        ("thermostat blanc", "thermostat blanc", {"cat": {"th"}, "colour": {"white"}}),
        (
            "serrure connectée noire",
            "serrure connectée noire",
            {"cat": {"lock"}, "colour": {"black"}},
        ),
        ("lampes grises", "lampes grises", {"colour": {"grey"}}),
        ("a gray lamp", "a gray lamp", {"colour": {"grey"}}),
        ("black or white", "black or white", {"colour": {"black", "white"}}),
        ("shoes size M", "shoes size M", {"size": {"M"}}),
        ("chaussures taille 42", "chaussures taille 42", {"size": {"42"}}),
        ("chaussures en 43", "chaussures en 43", {"size": {"43"}}),
        ("I'm looking for a m shoe", "I'm looking for a m shoe", {}),
        ("an oak table", "an oak table", {"material": {"oak"}}),
        ("shoes under 42€", "shoes", {"high": 4200}),
        # Stock, member deals.
        (
            "white thermostat in stock",
            "white thermostat",
            {"cat": {"th"}, "colour": {"white"}, "stock": True},
        ),
        ("lampe disponible", "lampe", {"stock": True}),
        ("lamps that are available now", "lamps", {"stock": True}),
        ("member price lamp", "lamp", {"member": True}),
        ("lampe en solde", "lampe", {"member": True}),
        ("lampes en promo pour les membres", "lampes", {"member": True}),
        # Delivery deadlines (today is Monday 30 November 2026).
        ("lamp by tomorrow", "lamp", {"by": date(2026, 12, 1)}),
        ("une lampe d'ici demain", "une lampe", {"by": date(2026, 12, 1)}),
        ("lamp by friday", "lamp", {"by": date(2026, 12, 4)}),
        ("une lampe avant vendredi", "une lampe", {"by": date(2026, 12, 4)}),
        ("une lampe pour vendredi", "une lampe", {"by": date(2026, 12, 4)}),
        ("lamp by monday", "lamp", {"by": date(2026, 12, 7)}),
        ("a lamp by Christmas", "a lamp", {"by": date(2026, 12, 24)}),
        ("une lampe pour Noël", "une lampe", {"by": date(2026, 12, 24)}),
        ("lamp 2026-12-24", "lamp", {"by": date(2026, 12, 24)}),
        ("lampe livrée le 24/12", "lampe", {"by": date(2026, 12, 24)}),
        ("lampe pour le 15/01/2027", "lampe", {"by": date(2027, 1, 15)}),
        ("lampe pour le 29/11", "lampe", {"by": date(2027, 11, 29)}),
        ("lamp by 24 December", "lamp", {"by": date(2026, 12, 24)}),
        ("une lampe avant le 24 décembre", "une lampe", {"by": date(2026, 12, 24)}),
        ("lampe avant le 3 mars", "lampe", {"by": date(2027, 3, 3)}),
        ("lamp this week", "lamp", {"by": date(2026, 12, 6)}),
        ("lampe cette semaine", "lampe", {"by": date(2026, 12, 6)}),
        ("lamp within 3 days", "lamp", {"by": date(2026, 12, 3)}),
        ("lampe sous 3 jours", "lampe", {"by": date(2026, 12, 3)}),
        ("lampe en 3 jours", "lampe", {"by": date(2026, 12, 3)}),
        ("lampe livrée sous 48h", "lampe", {"by": date(2026, 12, 2)}),
        ("1/2 inch cable", "1/2 inch cable", {}),
        # Everything at once.
        (
            "Je cherche un thermostat Lumo blanc à moins de 80 €, en stock, livré d'ici vendredi",
            "Je cherche un thermostat Lumo blanc",
            {
                "high": 8000,
                "brands": {"Lumo"},
                "cat": {"th"},
                "colour": {"white"},
                "stock": True,
                "by": date(2026, 12, 4),
            },
        ),
    ],
)
def test_message_reads_into_need_and_constraints(
    text: str, need: str, constraints: dict[str, Any]
) -> None:
    parsed = parse(text)

    assert (parsed.need, parsed.constraints) == (need, _constraints(**constraints))


def _constraints(
    *,
    high: int | None = None,
    low: int | None = None,
    brands: frozenset[str] | set[str] = frozenset(),
    cat: set[str] | None = None,
    stock: bool = False,
    by: date | None = None,
    member: bool = False,
    **options: set[str],
) -> Constraints:
    categories = {_SHORT_PATHS.get(path, path) for path in cat or ()}
    return Constraints(
        max_price_minor=high,
        min_price_minor=low,
        brands=frozenset(brands),
        categories=frozenset(categories),
        options={key: frozenset(values) for key, values in options.items()},
        in_stock=stock,
        deliver_by=by,
        member_deals=member,
    )


@pytest.mark.parametrize(
    ("text", "need", "cheapest", "budget", "best"),
    [
        ("thermostat pas cher", "thermostat", False, True, False),
        ("a cheap thermostat", "a thermostat", False, True, False),
        ("le thermostat le moins cher", "le thermostat", True, False, False),
        ("the cheapest thermostat", "thermostat", True, False, False),
        ("the least expensive lamp", "lamp", True, False, False),
        ("the best thermostat", "thermostat", False, False, True),
        ("a lamp, top of the range", "a lamp", False, False, True),
        ("une lampe haut de gamme", "une lampe", False, False, True),
        ("le meilleur thermostat", "thermostat", False, False, True),
        ("best seller lamp", "best seller lamp", False, False, False),
        ("une lampe bon rapport qualité prix", "une lampe", False, True, False),
    ],
)
def test_price_wishes_are_flags_not_limits(
    text: str, need: str, cheapest: bool, budget: bool, best: bool
) -> None:
    parsed = parse(text)

    assert (parsed.need, parsed.wants_cheapest, parsed.budget_hint, parsed.wants_best) == (
        need,
        cheapest,
        budget,
        best,
    )
    assert parsed.constraints.max_price_minor is None
    assert parsed.wants_most_expensive == best


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Je cherche une lampe pas chère", "fr"),
        ("une lampe à moins de 50 €", "fr"),
        ("I want a lamp under 50", "en"),
        ("white lamp for my office", "en"),
        ("lamp", "en"),
    ],
)
def test_language_is_guessed_from_the_words(text: str, language: str) -> None:
    assert parse(text).language == language


def test_language_given_by_the_caller_wins() -> None:
    assert parse("I want a lamp", language="fr").language == "fr"


def test_colour_maps_to_the_catalogs_own_spelling() -> None:
    french_catalog = CatalogVocabulary(
        brands=(), categories={}, option_values={"Couleur": ("Blanc", "Noir")}
    )

    parsed = parse_request("white or black lamp", french_catalog, today=TODAY)

    assert parsed.constraints.options == {"Couleur": frozenset({"Blanc", "Noir"})}


def test_or_and_argent_are_colours_only_when_said_as_colours() -> None:
    catalog = CatalogVocabulary(
        brands=(), categories={}, option_values={"colour": ("gold", "silver")}
    )

    def options(text: str) -> object:
        return parse_request(text, catalog, today=TODAY).constraints.options

    assert options("a ring in gold or silver") == {"colour": frozenset({"gold", "silver"})}
    assert options("une bague en or") == {"colour": frozenset({"gold"})}
    assert options("une bague argentée") == {"colour": frozenset({"silver"})}
    assert options("noir or blanc, pas beaucoup d'argent") == {}


def test_christmas_already_past_means_next_years() -> None:
    parsed = parse_request("lamp by Christmas", VOCABULARY, today=date(2026, 12, 27))

    assert parsed.constraints.deliver_by == date(2027, 12, 24)


def test_zero_decimal_currency_keeps_amounts_whole() -> None:
    yen = CatalogVocabulary(brands=(), categories={}, option_values={}, currency="JPY")

    assert parse_request("under 5000", yen, today=TODAY).constraints.max_price_minor == 5000


def test_earliest_of_several_deadlines_wins() -> None:
    assert parse("by friday, ideally tomorrow").constraints.deliver_by == date(2026, 12, 1)
