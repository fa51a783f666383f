"""Answers about one product, taken only from its catalog data (or an honest "it does not say")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from handshake.assistant.terms import terms

# Common words of product sheets in French, with the English word catalogs often use as keys.
# Language knowledge, not catalog knowledge: it lets a French question reach an English key.
_GLOSSARY = {
    "garantie": "warranty", "poids": "weight", "hauteur": "height", "largeur": "width",
    "profondeur": "depth", "longueur": "length", "couleur": "colour", "taille": "size",
    "batterie": "battery", "pile": "battery", "autonomie": "battery life", "puissance": "power",
    "connexion": "connectivity", "connectivite": "connectivity", "etanche": "waterproof",
    "etancheite": "ip rating", "capacite": "capacity", "materiau": "material",
    "matiere": "material", "alimentation": "power supply", "compatible": "compatibility",
    "compatibilite": "compatibility", "chauffage": "heating", "chaudiere": "boiler",
    "pompe": "pump", "chaleur": "heat", "ecran": "screen", "bruit": "noise", "vitesse": "speed",
    "portee": "range", "temperature": "temperature", "dimension": "dimensions",
    "tension": "voltage", "serrure": "lock", "cle": "key", "porte": "door", "filtre": "filter",
}  # fmt: skip
# Looked up by analysed term, so "garanties" and "garantie" both reach "warranty".
_GLOSSARY_TERMS = {" ".join(terms(word)): english for word, english in _GLOSSARY.items()}
_STOP = frozenset(terms("what which does it is this the have has how many much can work with "
                        "quelle quel quels est ce que il elle a t du de la le les un une avec "
                        "fonctionne marche produit product premier second first"))  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class ProductAnswer:
    """What the catalog says in reply, and where it says it (None: it does not say)."""

    found: bool
    source: str | None  # "attribute" or "description"
    label: str | None  # the attribute's name as the catalog has it, humanised
    value: str | None  # the attribute's value, or the sentence quoted


def question_terms(question: str) -> set[str]:
    """The content words of a question, with French sheet words also in English."""
    found = set()
    for term in terms(question):
        if term in _STOP:
            continue
        found.add(term)
        found.update(terms(_GLOSSARY_TERMS.get(term, "")))
    return found


def answer_from_catalog(
    question: str, *, attributes: Mapping[str, object], description: str
) -> ProductAnswer:
    """The attribute (or description sentence) that best matches the question's words."""
    wanted = question_terms(question)
    if not wanted:
        return ProductAnswer(False, None, None, None)
    best: tuple[int, str, object] | None = None
    for key, value in attributes.items():
        key_words = set(terms(key.replace("_", " ")))
        value_words = set(terms(_display(value)))
        score = 2 * len(wanted & key_words) + len(wanted & value_words)
        if score and (best is None or score > best[0]):
            best = (score, key, value)
    if best is not None:
        return ProductAnswer(True, "attribute", _humanised(best[1]), _display(best[2]))
    sentences = [s for s in _SENTENCE.split(description) if s.strip()]
    scored = [(len(wanted & set(terms(s))), s) for s in sentences]
    top = max(scored, default=(0, ""), key=lambda pair: pair[0])
    if top[0] >= max(1, min(2, len(wanted))):
        return ProductAnswer(True, "description", None, top[1].strip())
    return ProductAnswer(False, None, None, None)


def _humanised(key: str) -> str:
    return key.replace("_", " ").strip()


def _display(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_display(v) for v in value)
    return str(value)
