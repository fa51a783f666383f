"""What the keyword retriever sees of a text: accent-free words, stop words out, plurals folded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from handshake.assistant.documents import ProductDocument
from handshake.catalog.search_text import normalise

# Words that carry no product meaning in either language. Single letters come from elisions
# ("l'eau" normalises to "l eau"); short meaningful tokens ("aa", "e27", "ip65") are kept.
_ENGLISH_STOP_WORDS = (
    "a an and are as at be by for from in into is it its of on or the this that to with without "
    "your my me i we you"
)
_FRENCH_STOP_WORDS = (
    "au aux avec c ce ces cet cette d dans de des du en est et il j je l la le les ma mais mes "
    "mon n ne nous ou par pour qu que qui s sa se ses son sur t ta tes ton tu un une vos votre "
    "vous y"
)
STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split() + _FRENCH_STOP_WORDS.split())
_PASSAGE_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Endings whose "e" English drops before a plural "es" (box/boxes, watch/watches): folding the
# "e" away in singular and plural alike keeps French words with these endings (douche/douches)
# consistent too.
_E_AFTER = ("ss", "sh", "ch", "x", "z")
_VOWELS = frozenset("aeiou")


def terms(text: str) -> list[str]:
    """The BM25 terms of ``text`` in order, repeats kept (they are term frequency)."""
    return [term for token in text.split() for term in _token_terms(token)]


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, ...]:
    # Cached per whitespace-separated token: a catalog reuses a small vocabulary, and
    # normalising accents character by character dominated indexing 100,000 products.
    return tuple(stem(word) for word in normalise(token).split() if word not in STOP_WORDS)


def stem(word: str) -> str:
    """Fold French and English plural and spelling variants of a normalised word together."""
    if len(word) <= 3 or any(c.isdigit() for c in word):
        return word
    word = _singular(word)
    if len(word) < 4:
        return word
    if word.endswith("ie"):
        return word[:-1]  # batterie, movie: meet battery/batteries at "batteri"
    if word[-1] == "y" and word[-2] not in _VOWELS:
        return word[:-1] + "i"
    if word[-1] == "e" and word[:-1].endswith(_E_AFTER):
        return word[:-1]
    return word


def _singular(word: str) -> str:
    if word.endswith(("eaux", "yaux")):
        return word[:-1]  # bateaux, tuyaux
    if word.endswith("aux") and len(word) >= 5:
        return word[:-3] + "al"  # journaux, animaux
    if word.endswith("eux"):
        return word[:-1]  # jeux, feux
    if word.endswith("ies") and len(word) >= 5:
        return word[:-3] + "i"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def product_text(doc: ProductDocument) -> str:
    """Everything keyword search should match in a product, as one text."""
    parts = [doc.title_en, doc.title_fr, doc.brand, *doc.category_names]
    parts += [doc.description_en, doc.description_fr]
    parts += _attribute_words(doc.attributes)
    for key, values in doc.options.items():
        parts += [_humanised(key), *values]
    parts += doc.skus
    return "\n".join(part for part in parts if part)


def passage_text(doc: ProductDocument) -> str:
    """The short text embedded for meaning search: names, brand, category, first sentences."""
    titles = list(dict.fromkeys(t for t in (doc.title_en, doc.title_fr) if t))
    parts = [*titles, doc.brand, ", ".join(dict.fromkeys(doc.category_names))]
    parts += [_first_sentence(d) for d in (doc.description_en, doc.description_fr)]
    text = ". ".join(part.strip().rstrip(".") for part in parts if part.strip())
    if len(text) <= _PASSAGE_CHARS:
        return text
    return text[:_PASSAGE_CHARS].rsplit(" ", 1)[0]


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def _humanised(key: str) -> str:
    return _CAMEL.sub(" ", key).replace("_", " ").replace("-", " ")


def _attribute_words(attributes: Mapping[str, object]) -> list[str]:
    words: list[str] = []
    for key, value in attributes.items():
        if value is False or value is None:
            continue  # "waterproof: false" must not make the product match "waterproof"
        words.append(_humanised(key))
        words += _value_words(value)
    return words


def _value_words(value: object) -> list[str]:
    if isinstance(value, bool):
        return []  # the key said it
    if isinstance(value, Mapping):
        return _attribute_words(value)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [word for item in value for word in _value_words(item)]
    return [str(value)]
