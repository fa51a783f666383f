"""Every audited kind reads as a sentence in English and French."""

from __future__ import annotations

import pytest

from handshake.devices.audit_wording import EN, FR, describe

DETAIL = {"device": "thermo-1", "stored": 3, "values": 2, "data_types": ["temperature"],
          "purpose": "recommendations", "dropped": {"mode_not_granted": 2}, "version": 4,
          "changes": [1, 2], "pauses_at": "2030-01-01T00:00:00Z", "reason": "retention",
          "devices": 5}  # fmt: skip


def test_both_languages_know_the_same_kinds() -> None:
    assert set(EN) == set(FR)


@pytest.mark.parametrize(
    ("kind", "actor", "english"),
    [
        ("change_report", "maker",
         "The maker received 3 value(s) from thermo-1 (temperature); 2 refused by your choices."),
        ("read", "platform",
         "The store read 2 stored value(s) of thermo-1 (temperature) for recommendations."),
        ("grant_amended", "shopper", "You changed what is shared (2 change(s))."),
        ("purge", "system", "The store deleted 2 stored value(s) (retention)."),
        ("something_new", "operator:op_1", "An operator: something new."),
    ],
)  # fmt: skip
def test_sentences(kind: str, actor: str, english: str) -> None:
    assert describe(kind, actor, DETAIL, "en") == english


def test_french_and_odd_details_never_fail() -> None:
    assert describe("read", "platform", DETAIL, "fr") == (
        "La boutique a lu 2 valeur(s) de thermo-1 (temperature)."
    )
    for kind in EN:
        assert describe(kind, "maker", {}, "fr").startswith("Le fabricant ")


def test_a_batch_names_every_device_and_data_type() -> None:
    batch = {"stored": 5, "dropped": {"data_type_not_shared": 1},
             "devices": [{"device": "thermo-1", "data_types": ["temperature", "health"]},
                         {"device": "thermo-2", "data_types": ["humidity"]}]}  # fmt: skip
    assert describe("change_report", "maker", batch, "en") == (
        "The maker received 5 value(s) from thermo-1, thermo-2 (health, humidity, temperature);"
        " 1 refused by your choices."
    )
