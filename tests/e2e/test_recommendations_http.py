"""Recommendations end to end: a maker streams a home's history over weeks, the shopper sees why
each product is suggested, a partner app sees products only, and nothing is read without the
``recommendations`` purpose."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices.models import AuditEntry
from handshake.kernel import clock
from handshake.web.csrf import CSRF_COOKIE
from tests.accounts_helpers import signed_in_shopper
from tests.catalog_helpers import import_ok, make_warehouses, row
from tests.devices_helpers import LinkedMaker, detail, put
from tests.linking_helpers import (
    FROZEN_START,
    bearer,
    browser,
    link_tokens,
    refresh,
    register_app,
)

EVENTS = "/partner/v1/devices/events"
ME = "/api/v1/me/recommendations"
PARTNER = "/partner/v1/recommendations"
T0 = FROZEN_START
ASKED = T0 + timedelta(hours=600)  # 25 days after the grant
HOUR = timedelta(hours=1)
SCOPE = "devices.command devices.stream"
_emails = itertools.count(1)


def change_report(device: str, namespace: str, name: str, value: Any) -> dict[str, Any]:
    """An Alexa ChangeReport of one property measured now (the frozen clock)."""
    prop = {"namespace": namespace, "name": name, "value": value,
            "timeOfSample": clock.iso_z(clock.now()), "uncertaintyInMilliseconds": 0}  # fmt: skip
    return {
        "event": {
            "header": {"namespace": "Alexa", "name": "ChangeReport", "messageId": "m-1",
                       "payloadVersion": "3"},
            "endpoint": {"endpointId": device},
            "payload": {"change": {"cause": {"type": "PHYSICAL_INTERACTION"},
                                   "properties": [prop]}},
        },
        "context": {"properties": []},
    }  # fmt: skip


def discovery(*devices: tuple[str, str, str]) -> dict[str, Any]:
    """An AddOrUpdateReport naming the shopper's devices."""
    endpoints = [{"endpointId": d, "friendlyName": name, "displayCategories": [category],
                  "capabilities": []} for d, name, category in devices]  # fmt: skip
    header = {"namespace": "Alexa.Discovery", "name": "AddOrUpdateReport", "messageId": "m",
              "payloadVersion": "3"}  # fmt: skip
    return {"event": {"header": header, "payload": {"endpoints": endpoints}}}


MODE = ("Alexa.ThermostatController", "thermostatMode")
HUMIDITY = ("Alexa.HumiditySensor", "relativeHumidity")
BATTERY = ("Alexa.EndpointHealth", "battery")
# (when, device, property, value): 512 h of heating; 7 humid days (day 0: 58 and 66, mean 62;
# lowest day 61); the lock's battery falls to 15 %.
HISTORY = sorted([
    (T0 + HOUR, "thermo-1", MODE, "HEAT"),
    (T0 + 513 * HOUR, "thermo-1", MODE, "OFF"),
    (ASKED - 13 * HOUR, "thermo-1", HUMIDITY, {"value": 58}),
    (ASKED - 11 * HOUR, "thermo-1", HUMIDITY, {"value": 66}),
    *[(ASKED - (12 + 24 * day) * HOUR, "thermo-1", HUMIDITY, {"value": value})
      for day, value in enumerate([65, 70, 61, 64, 66, 68], start=1)],
    (ASKED - 48 * HOUR, "lock-1", BATTERY, {"value": 35}),
    (ASKED - 2 * HOUR, "lock-1", BATTERY, {"value": 15}),
], key=lambda sample: sample[0])  # fmt: skip


@dataclass
class Home:
    """A shopper whose maker streamed HISTORY, signed in again at ASKED."""

    linked: LinkedMaker
    cookies: httpx.Cookies
    grant: dict[str, Any]

    def session(self, app: object) -> httpx.AsyncClient:
        """A browser signed in as the shopper (at ASKED)."""
        http = browser(app)
        http.cookies.update(self.cookies)
        return http


async def _push(app: object, linked: LinkedMaker, refresh_token: str, sample: Any) -> str:
    """Push one sample at its time with a freshly refreshed token; the next refresh token."""
    moment, device, (namespace, name), value = sample
    with clock.frozen_at(moment):
        async with browser(app) as maker:
            issued = await refresh(maker, linked.maker, refresh_token)
            assert issued.status_code == 200, issued.text
            answer = await maker.post(
                EVENTS, headers=bearer(issued.json()["access_token"]),
                json=change_report(device, namespace, name, value),
            )  # fmt: skip
    assert answer.json() == {"stored": 1, "dropped": {}}, answer.text
    token: str = issued.json()["refresh_token"]
    return token


async def _link(app: object, container: Container) -> tuple[LinkedMaker, str]:
    """As ``linked_maker``, keeping the refresh token: the maker reports over weeks."""
    async with browser(app) as http:
        login = await signed_in_shopper(http, container, email=f"reco{next(_emails)}@example.com")
        maker = await register_app(container, kind="device_maker")
        tokens = await link_tokens(http, maker, scope=SCOPE)
    return LinkedMaker(login, maker, tokens["access_token"]), tokens["refresh_token"]


async def home(app: object, container: Container, purposes: list[str]) -> Home:
    """Grant (for ``purposes``), discovery, HISTORY streamed; the shopper signs in at ASKED."""
    with clock.frozen_at(T0):
        linked, refresh_token = await _link(app, container)
        thermo = detail("stream_changes", "mode", "humidity", purposes=purposes)
        lock = detail("stream_changes", "battery", "lock_state", device="lock-1", purposes=purposes)
        assert (await put(app, container, linked, thermo, lock)).status_code == 200
        named = discovery(("thermo-1", "Hall thermostat", "THERMOSTAT"),
                          ("lock-1", "Front door", "SMARTLOCK"))  # fmt: skip
        async with browser(app) as maker:
            found = await maker.post(EVENTS, headers=bearer(linked.token), json=named)
        assert found.status_code == 202, found.text
    for sample in HISTORY:
        refresh_token = await _push(app, linked, refresh_token, sample)
    with clock.frozen_at(ASKED):
        async with browser(app) as session:
            signed = await session.post("/api/v1/auth/signin", json={
                "email": linked.login.email, "password": linked.login.password})  # fmt: skip
            assert signed.status_code == 200, signed.text
            grant = (await session.get(linked.path)).json()
            return Home(linked, session.cookies, grant)


def supply(**fields: Any) -> dict[str, Any]:
    """An import row of a home-supplies product."""
    values = {
        "category": "home/supplies",
        "category_name_en": "Home supplies",
        "category_name_fr": "Fournitures",
        "gtin": None,
        "member_price": None,
        **fields,
    }
    return row(**values)  # fmt: skip


async def catalog(container: Container) -> None:
    """Products the merchant's queries find (an air filter out of stock among them)."""
    await make_warehouses(container)
    await import_ok(container, [
        supply(handle="hepa", sku="F-HEPA", title_en="HEPA air filter F7",
               title_fr="Filtre à air HEPA F7", list_price="24.90", member_price="22.90",
               stock={"PAR1": 10}),
        supply(handle="carbon", sku="F-CARB", title_en="Carbon air filter",
               title_fr="Filtre à air charbon", list_price="19.90", stock={"PAR1": 0}),
        supply(handle="cr123a", sku="B-CR123", title_en="CR123A lithium battery",
               title_fr="Batterie lithium CR123A", list_price="7.50", stock={"LYS1": 3}),
        supply(handle="dry", sku="D-12L", title_en="Compact dehumidifier 12 L",
               title_fr="Déshumidificateur compact 12 L", list_price="149.00",
               stock={"PAR1": 20}),
    ])  # fmt: skip


class _Audit(Repository):
    async def entries(self) -> list[AuditEntry]:
        return list((await self.session.scalars(select(AuditEntry).order_by(AuditEntry.at))).all())


async def recommendation_reads(container: Container) -> list[tuple[str, str, list[str]]]:
    """(kind, device, data types) of every audited read or refusal for recommendations."""
    uow = container.read_uow()
    async with uow:
        entries = await uow.repo(_Audit).entries()
    return [
        (e.kind, e.detail["device"], e.detail["data_types"]) for e in entries
        if e.kind.startswith("read") and e.detail.get("purpose") == "recommendations"
    ]  # fmt: skip


def products(item: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    """(title, price, member price, availability) of a suggestion's products."""
    return [
        (p["title"], p["price_from"]["amount"],
         p["member_price_from"]["amount"] if p["member_price_from"] else None, p["availability"])
        for p in item["products"]
    ]  # fmt: skip


def basis(grant: dict[str, Any], device: str, *kinds: str) -> dict[str, Any]:
    """The basis a suggestion must name."""
    return {"partner_id": grant["partner_id"], "grant_id": grant["grant_id"],
            "grant_version": grant["version"], "device_id": device, "data_types": list(kinds),
            "purpose": "recommendations"}  # fmt: skip


FILTER = [("HEPA air filter F7", "24.90", "22.90", "in_stock")]
BATTERY_PACK = [("CR123A lithium battery", "7.50", None, "low_stock")]
DRYER = [("Compact dehumidifier 12 L", "149.00", None, "in_stock")]


async def test_each_suggestion_says_why_and_which_grant_it_relied_on(
    app: object, container: Container
) -> None:
    """Battery of the lock at 15 %, 512 h of heating, a humid week: exact reasons, grants and
    in-stock products; each GET reads exactly the three rules' data types, audited."""
    shared = await home(app, container, ["service_operation", "recommendations"])
    with clock.frozen_at(ASKED):
        await catalog(container)
        async with shared.session(app) as http:
            answer = await http.get(ME)
            french = await http.get(ME, params={"lang": "fr"})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["rule"], i["reason"], i["facts"], i["basis"]) for i in items] == [
        ("lock_battery_low", "The battery of Front door is at 15 %.", {"percent": 15},
         basis(shared.grant, "lock-1", "battery")),
        ("filter_due",
         "Your Hall thermostat has heated for 512 hours: its air filter is probably due.",
         {"hours": 512}, basis(shared.grant, "thermo-1", "mode")),
        ("humidity_high_week",
         "The humidity measured by Hall thermostat averaged 60 % or more on each of the last "
         "7 days (lowest daily average: 61 %): a dehumidifier could help.",
         {"days": 7, "lowest_daily_mean": 61, "threshold": 60},
         basis(shared.grant, "thermo-1", "humidity")),
    ]  # fmt: skip
    assert [products(i) for i in items] == [BATTERY_PACK, FILTER, DRYER]
    assert [i["reason"] for i in french.json()["items"]][:2] == [
        "La batterie de Front door est à 15 %.",
        "Votre Hall thermostat a chauffé pendant 512 heures : son filtre à air est "
        "probablement à changer.",
    ]
    assert products(french.json()["items"][1])[0][0] == "Filtre à air HEPA F7"
    assert await recommendation_reads(container) == 2 * [
        ("read", "lock-1", ["battery"]), ("read", "thermo-1", ["mode"]),
        ("read", "thermo-1", ["humidity"]),
    ]  # fmt: skip


async def test_without_the_recommendations_purpose_nothing_is_read_or_suggested(
    app: object, container: Container
) -> None:
    """The same home shared for service operation only: no suggestion, and the audit log holds
    no read (nor refusal) for recommendations: the data was never touched for it."""
    shared = await home(app, container, ["service_operation"])
    with clock.frozen_at(ASKED):
        await catalog(container)
        async with shared.session(app) as http:
            answer = await http.get(ME)
            page = await http.get("/account/recommendations")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": []}
    assert "No suggestion right now." in page.text
    assert await recommendation_reads(container) == []


async def test_a_partner_app_gets_products_and_rule_codes_never_device_data(
    app: object, container: Container
) -> None:
    """A social app linked with ``offers``: each product once with the basis
    ``connected_home``; no rule, device id, name, value, maker or grant in the answer."""
    shared = await home(app, container, ["service_operation", "recommendations"])
    with clock.frozen_at(ASKED):
        await catalog(container)
        social = await register_app(container, kind="social")
        async with shared.session(app) as http:
            await http.get("/account")  # the browser's CSRF cookie, as on any page
            assert CSRF_COOKIE in http.cookies
            tokens = await link_tokens(http, social, scope="offers")
        async with browser(app) as partner:
            answer = await partner.get(PARTNER, headers=bearer(tokens["access_token"]))
            anonymous = await partner.get(PARTNER)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["basis"] for i in items] == ["connected_home"] * len(items)
    assert [p for i in items for p in products({"products": [i["product"]]})] == [
        *BATTERY_PACK, *FILTER, *DRYER,
    ]  # fmt: skip
    assert {key for i in items for key in i} == {"basis", "product"}
    leaks = ["lock-1", "thermo-1", "Front door", "Hall thermostat", "512", "61 %",
             shared.grant["grant_id"], shared.grant["partner_id"], "reason", "device",
             "lock_battery_low", "filter_due", "humidity_high_week", "rule"]  # fmt: skip
    assert [word for word in leaks if word in answer.text] == []
    assert anonymous.status_code == 401


async def test_the_account_page_lists_suggestions_in_the_shopper_language(
    app: object, container: Container
) -> None:
    """/account/recommendations: reasons, products and basis, in French on ?lang=fr."""
    shared = await home(app, container, ["service_operation", "recommendations"])
    with clock.frozen_at(ASKED):
        await catalog(container)
        async with shared.session(app) as http:
            english = await http.get("/account/recommendations")
            french = await http.get("/account/recommendations", params={"lang": "fr"})
        async with browser(app) as stranger:
            anonymous = await stranger.get("/account/recommendations")
    assert english.status_code == 200
    assert "Your Hall thermostat has heated for 512 hours" in english.text
    assert "The battery of Front door is at 15 %." in english.text
    assert "HEPA air filter F7" in english.text
    assert "battery of Front door, shared for recommendations (sharing version" in english.text
    assert "Votre Hall thermostat a chauffé pendant 512 heures" in french.text
    assert "Déshumidificateur compact 12 L" in french.text
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303, "/signin?next=/account/recommendations",
    )  # fmt: skip
