"""The pure parts of the rule-based dialogue: intents, answers from catalog data, clarifying."""

from __future__ import annotations

import pytest

from handshake.assistant.answers import answer_from_catalog
from handshake.assistant.clarify import clarification, is_too_broad
from handshake.assistant.constraints import Constraints
from handshake.assistant.documents import ProductDocument
from handshake.assistant.intents import Intent, read_message, without_fillers


@pytest.mark.parametrize(
    ("text", "pending", "intent", "position", "quantity"),
    [
        ("I need a kettle", False, Intent.SEARCH, None, 1),
        ("compare the first two", False, Intent.COMPARE, 0, 1),
        ("lequel est le mieux ?", False, Intent.COMPARE, None, 1),
        ("buy the second one", False, Intent.BUY, 1, 1),
        ("je prends le dernier", False, Intent.BUY, -1, 1),
        ("ajoute 2 unités du premier au panier", False, Intent.ADD_TO_CART, 0, 2),
        ("add it to my cart", False, Intent.ADD_TO_CART, None, 1),
        ("my cart", False, Intent.SHOW_CART, None, 1),
        ("is it waterproof?", False, Intent.QUESTION, None, 1),
        ("quelle est la garantie du premier ?", False, Intent.QUESTION, 0, 1),
        ("le moins cher ?", False, Intent.SEARCH, None, 1),
        ("yes", True, Intent.CONFIRM_YES, None, 1),
        ("yes", False, Intent.CONFIRM_YES, None, 1),
        ("yes I want a glass kettle that boils fast please", False, Intent.SEARCH, None, 1),
        ("non merci", True, Intent.DECLINE, None, 1),
        ("start over", False, Intent.RESET, None, 1),
        ("bonjour", False, Intent.GREETING, None, 1),
    ],
)
def test_messages_are_read_into_intents(
    text: str, pending: bool, intent: Intent, position: int | None, quantity: int
) -> None:
    reading = read_message(text, has_pending=pending, has_shown=True)
    assert (reading.intent, reading.position, reading.quantity) == (intent, position, quantity)


def test_nothing_shown_means_no_product_question() -> None:
    assert read_message("is it waterproof?", has_pending=False, has_shown=False).intent is (
        Intent.SEARCH
    )


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("I'm looking for a glass kettle", "glass kettle"),
        ("je cherche une lampe à poser", "lampe a poser"),
        ("a thermostat", "thermostat"),
        ("Do you have running shoes", "running shoes"),
    ],
)
def test_openings_are_not_part_of_the_need(text: str, need: str) -> None:
    assert without_fillers(text) == need


ATTRIBUTES = {
    "heating_compatibility": ["gas boilers", "heat pumps"],
    "warranty_years": 2,
    "waterproof": False,
}


@pytest.mark.parametrize(
    ("question", "label", "value"),
    [
        ("is it compatible with heat pumps?", "heating compatibility", "gas boilers, heat pumps"),
        ("quelle est la garantie ?", "warranty years", "2"),
        ("is it waterproof?", "waterproof", "no"),
    ],
)
def test_questions_are_answered_from_attributes(question: str, label: str, value: str) -> None:
    answer = answer_from_catalog(question, attributes=ATTRIBUTES, description="")
    assert (answer.found, answer.source, answer.label, answer.value) == (
        True, "attribute", label, value,
    )  # fmt: skip


def test_description_sentence_or_an_honest_unknown() -> None:
    text = "Learns your schedule. Ships with a wall plate."
    found = answer_from_catalog("does it learn my schedule?", attributes={}, description=text)
    assert (found.source, found.value) == ("description", "Learns your schedule.")
    unknown = answer_from_catalog("does it work with Alexa?", attributes={}, description=text)
    assert not unknown.found


def _doc(pid: str, price: int, **attributes: object) -> ProductDocument:
    return ProductDocument(
        product_id=pid, handle=pid, brand="B", category_path="c", category_names=(),
        title_en=pid, title_fr=pid, description_en="", description_fr="", attributes=attributes,
        min_price_minor=price,
    )  # fmt: skip


def test_clarifying_question_uses_the_attribute_that_splits_candidates_most() -> None:
    docs = [
        _doc("a", 1000, material="glass", colour="white"),
        _doc("b", 3000, material="steel", colour="white"),
        _doc("c", 5000, material="plastic", colour="white"),
        _doc("d", 2000, material="glass", colour="black"),
    ]
    asked = clarification(docs)
    assert asked is not None
    assert (asked.attribute, asked.choices) == ("material", ["glass", "steel", "plastic"])
    assert (asked.price_low_minor, asked.price_high_minor) == (1000, 5000)


def test_only_short_unconstrained_needs_with_many_matches_are_too_broad() -> None:
    categorised = Constraints(categories=frozenset({"kitchen/kettles"}))
    assert is_too_broad(need="kettle", constraints=categorised, keyword_matches=9)
    assert not is_too_broad(need="kettle", constraints=Constraints(), keyword_matches=3)
    priced = Constraints(max_price_minor=5000)
    assert not is_too_broad(need="kettle", constraints=priced, keyword_matches=9)
    assert not is_too_broad(need="glass kettle with thermostat", constraints=Constraints(),
                            keyword_matches=9)  # fmt: skip
