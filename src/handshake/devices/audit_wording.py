"""The audit log in plain words, English and French (pure): one sentence per entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ACTORS = {
    "en": {"shopper": "You", "maker": "The maker", "platform": "The store", "system": "The store",
           "operator": "An operator"},
    "fr": {"shopper": "Vous", "maker": "Le fabricant", "platform": "La boutique",
           "system": "La boutique", "operator": "Un opérateur"},
}  # fmt: skip


def _count(detail: dict[str, Any], key: str) -> int:
    value = detail.get(key)
    return value if isinstance(value, int) else 0


def _types(detail: dict[str, Any]) -> str:
    kinds = detail.get("data_types") or []
    return ", ".join(str(k).replace("_", " ") for k in kinds) or "-"


def _per_device(detail: dict[str, Any]) -> list[dict[str, Any]]:
    devices = detail.get("devices")
    if isinstance(devices, list):
        return [d for d in devices if isinstance(d, dict)]
    return [detail]  # an entry about one device


def _devices(detail: dict[str, Any]) -> str:
    return ", ".join(str(d.get("device")) for d in _per_device(detail)) or "-"


def _all_types(detail: dict[str, Any]) -> str:
    kinds = sorted({str(k) for d in _per_device(detail) for k in d.get("data_types") or []})
    return _types({"data_types": kinds})


def _dropped(detail: dict[str, Any]) -> int:
    dropped = detail.get("dropped")
    return (
        sum(v for v in dropped.values() if isinstance(v, int)) if isinstance(dropped, dict) else 0
    )


Phrase = Callable[[dict[str, Any]], str]
EN: dict[str, Phrase] = {
    "grant_created": lambda d: f"started sharing (version {d.get('version')}).",
    "grant_amended": lambda d: f"changed what is shared ({len(d.get('changes') or [])} change(s)).",
    "grant_reconfirmed": lambda d: "confirmed streaming for 90 more days.",
    "grant_revoked": lambda d: "ended all sharing.",
    "stream_reminder": lambda d: f"reminded you that streaming pauses on {d.get('pauses_at')}.",
    "stream_paused": lambda d: "paused streaming: it was not confirmed within 90 days.",
    "change_report": lambda d: (
        f"received {_count(d, 'stored')} value(s) from {_devices(d)} ({_all_types(d)}); "
        f"{_dropped(d)} refused by your choices."
    ),
    "command": lambda d: (
        f"sent your command to {d.get('device')}; kept {_count(d, 'stored')} value(s)."
    ),
    "command_refused": lambda d: f"refused a command to {d.get('device')}: not shared.",
    "query": lambda d: (
        f"asked {d.get('device')} for its current state; kept {_count(d, 'stored')}."
    ),
    "query_refused": lambda d: f"did not ask {d.get('device')}: you did not allow it.",
    "read": lambda d: (
        f"read {_count(d, 'values')} stored value(s) of {d.get('device')} ({_types(d)}) "
        f"for {str(d.get('purpose')).replace('_', ' ')}."
    ),
    "read_refused": lambda d: f"was refused a read for {str(d.get('purpose')).replace('_', ' ')}.",
    "purge": lambda d: f"deleted {_count(d, 'values')} stored value(s) ({d.get('reason')}).",
    "discovery": lambda d: f"described {_count(d, 'devices')} device(s).",
}
FR: dict[str, Phrase] = {
    "grant_created": lambda d: f"a commencé le partage (version {d.get('version')}).",
    "grant_amended": lambda d: (
        f"a modifié le partage ({len(d.get('changes') or [])} changement(s))."
    ),
    "grant_reconfirmed": lambda d: "a confirmé le flux continu pour 90 jours de plus.",
    "grant_revoked": lambda d: "a mis fin à tout partage.",
    "stream_reminder": lambda d: f"vous a rappelé que le flux s'arrête le {d.get('pauses_at')}.",
    "stream_paused": lambda d: "a suspendu le flux continu : non confirmé depuis 90 jours.",
    "change_report": lambda d: (
        f"a reçu {_count(d, 'stored')} valeur(s) de {_devices(d)} ({_all_types(d)}) ; "
        f"{_dropped(d)} refusée(s) selon vos choix."
    ),
    "command": lambda d: f"a transmis votre commande à {d.get('device')}.",
    "command_refused": lambda d: f"a refusé une commande vers {d.get('device')} : non partagé.",
    "query": lambda d: f"a demandé l'état actuel de {d.get('device')}.",
    "query_refused": lambda d: f"n'a pas interrogé {d.get('device')} : vous ne l'avez pas permis.",
    "read": lambda d: f"a lu {_count(d, 'values')} valeur(s) de {d.get('device')} ({_types(d)}).",
    "read_refused": lambda d: "s'est vu refuser une lecture : finalité non accordée.",
    "purge": lambda d: f"a supprimé {_count(d, 'values')} valeur(s) conservée(s).",
    "discovery": lambda d: f"a décrit {_count(d, 'devices')} appareil(s).",
}


# The maker reads the same log: "you" is the maker there.
MAKER_VIEW = {
    "en": {"shopper": "The shopper", "maker": "You"},
    "fr": {"shopper": "Le client", "maker": "Vous"},
}


def describe(
    kind: str, actor: str, detail: dict[str, Any], language: str, *, to_maker: bool = False
) -> str:
    """One audit entry as a sentence in ``language`` ("en" or "fr"), addressed to the shopper
    (or to the maker)."""
    lang = "fr" if language == "fr" else "en"
    phrases = FR if lang == "fr" else EN
    names = {**ACTORS[lang], **(MAKER_VIEW[lang] if to_maker else {})}
    who = names.get(actor.split(":")[0], actor)
    phrase = phrases.get(kind)
    return f"{who} {phrase(detail)}" if phrase else f"{who}: {kind.replace('_', ' ')}."
