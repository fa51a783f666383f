"""Why each suggestion is made, in plain words, in the shopper's language (French or English)."""

from __future__ import annotations

from collections.abc import Mapping

from handshake.recommendations.rules import Finding, RuleCode

REASONS: Mapping[RuleCode, Mapping[str, str]] = {
    RuleCode.FILTER_DUE: {
        "en": "Your {name} has heated for {hours} hours: its air filter is probably due.",
        "fr": "Votre {name} a chauffé pendant {hours} heures : son filtre à air est "
        "probablement à changer.",
    },
    RuleCode.LOCK_BATTERY_LOW: {
        "en": "The battery of {name} is at {percent} %.",
        "fr": "La batterie de {name} est à {percent} %.",
    },
    RuleCode.HUMIDITY_HIGH_WEEK: {
        "en": "The humidity measured by {name} averaged {threshold} % or more on each of the "
        "last {days} days (lowest daily average: {lowest_daily_mean} %): a dehumidifier "
        "could help.",
        "fr": "L'humidité mesurée par {name} a été en moyenne de {threshold} % ou plus chacun "
        "des {days} derniers jours (moyenne journalière la plus basse : {lowest_daily_mean} %) : "
        "un déshumidificateur pourrait vous aider.",
    },
}


def language_of(language: str) -> str:
    """``"fr"`` for any French tag, ``"en"`` otherwise."""
    return "fr" if language.lower().startswith("fr") else "en"


def number(value: float) -> str:
    """``512``, or ``12.5`` when the value is not whole."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def reason(finding: Finding, *, device_name: str, language: str) -> str:
    """The sentence explaining ``finding`` about the device called ``device_name``."""
    template = REASONS[finding.rule][language_of(language)]
    numbers = {key: number(value) for key, value in finding.numbers.items()}
    return template.format(name=device_name, **numbers)
