"""Who and where in the demo: warehouses, shoppers, the operator and one partner of each kind.

Passwords are fixed and printed on purpose: this is demo data for a local store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

PARIS_REGION = ("75", "77", "78", "91", "92", "93", "94", "95")
LYON_REGION = ("69", "01", "38", "42")


def _zones(near: tuple[str, ...]) -> list[dict[str, object]]:
    # Departments around the warehouse: two days, members one; the rest of France: four/three.
    near_zones = [
        {"country": "FR", "postal_prefix": prefix, "transit_days": 2, "member_transit_days": 1,
         "window_start_hour": 8, "window_end_hour": 22}
        for prefix in near
    ]  # fmt: skip
    rest_of_france = {
        "country": "FR", "postal_prefix": "", "transit_days": 4, "member_transit_days": 3,
        "window_start_hour": 8, "window_end_hour": 20,
    }  # fmt: skip
    return [*near_zones, rest_of_france]


@dataclass(frozen=True)
class DemoWarehouse:
    """A warehouse with its delivery zones."""

    code: str
    name: str
    cutoff_local: str
    ship_weekdays: tuple[int, ...]
    zones: list[dict[str, object]]
    timezone: str = "Europe/Paris"


WAREHOUSES = (
    DemoWarehouse(
        "PAR1", "Paris – Gennevilliers", "16:00", (0, 1, 2, 3, 4, 5), _zones(PARIS_REGION)
    ),
    DemoWarehouse("LYS1", "Lyon – Saint-Priest", "15:00", (0, 1, 2, 3, 4), _zones(LYON_REGION)),
)


@dataclass(frozen=True)
class DemoAddress:
    """A shopper's default delivery address."""

    line1: str
    postal_code: str
    city: str
    country: str = "FR"


@dataclass(frozen=True)
class DemoShopper:
    """A demo shopper with a default address and a sandbox card."""

    email: str
    password: str
    name: str
    address: DemoAddress
    member: bool
    locale: str = "en"
    card_token: str = "tok_sandbox_visa_4242"  # noqa: S105 - sandbox token
    card_brand: str = "visa"
    card_last4: str = "4242"
    card_exp_month: int = 12
    card_exp_years_ahead: int = 3


SHOPPERS = (
    DemoShopper(
        email="camille.martin@example.com",
        password="Demo-member-2024!",  # noqa: S106 - printed demo password
        name="Camille Martin",
        address=DemoAddress("12 rue Oberkampf", "75011", "Paris"),
        member=True,
        locale="fr",
    ),
    DemoShopper(
        email="louis.bernard@example.com",
        password="Demo-shopper-2024!",  # noqa: S106 - printed demo password
        name="Louis Bernard",
        address=DemoAddress("8 quai Saint-Antoine", "69002", "Lyon"),
        member=False,
    ),
)
MEMBERSHIP_STARTED_AGO = timedelta(days=60)
MEMBERSHIP_LASTS = timedelta(days=365)


@dataclass(frozen=True)
class DemoOperator:
    """The store's demo operator."""

    email: str = "operator@example.com"
    password: str = "Demo-operator-2024!"  # noqa: S105 - printed demo password
    name: str = "Demo Operator"
    api_key_label: str = "demo"


OPERATOR = DemoOperator()
SHOPPING_SCOPES = ("profile", "offers", "checkout", "orders")
DEVICE_SCOPES = ("profile", "devices.command", "devices.query", "devices.stream")


@dataclass(frozen=True)
class DemoPartner:
    """A partner app running (in the demo story) on a loopback port."""

    name: str
    kind: str
    port: int
    contact_email: str
    scopes: tuple[str, ...]
    event_types: tuple[str, ...]
    # How the store signs its webhooks to the app ("acp": ACP order events, Merchant-Signature).
    signature_scheme: str = "standard_webhooks"
    webhook_path: str = "/webhooks/handshake"

    @property
    def redirect_uri(self) -> str:
        """Where the partner app receives the OAuth authorization code."""
        return f"http://127.0.0.1:{self.port}/oauth/callback"

    @property
    def base_url(self) -> str:
        """Where the partner app is served."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        """Where the partner app receives signed webhooks."""
        return f"{self.base_url}{self.webhook_path}"

    @property
    def directive_url(self) -> str:
        """Where a device maker's app receives the platform's signed directives."""
        return f"{self.base_url}/connector/directives"


SHOPPING_EVENTS = (
    "order.created", "order.updated", "order.shipped", "order.refunded", "order.cancelled",
    "link.revoked",
)  # fmt: skip
DEVICE_EVENTS = ("link.revoked", "consent.updated")
# An AI agent's platform hears of the orders its agent placed over ACP (only ACP endpoints can).
ACP_EVENTS = ("acp.order_create", "acp.order_update")
PARTNERS = (
    DemoPartner("Picto", "social", 8001, "partners@picto.example.com",
                SHOPPING_SCOPES, SHOPPING_EVENTS),
    DemoPartner("Reels", "video", 8002, "dev@reels.example.com",
                SHOPPING_SCOPES, SHOPPING_EVENTS),
    DemoPartner("Shoply Assistant", "assistant", 8003, "api@shoply.example.com",
                SHOPPING_SCOPES, ACP_EVENTS, signature_scheme="acp", webhook_path="/webhooks/acp"),
    DemoPartner("ThermoCo", "device_maker", 8004, "cloud@thermoco.example.com",
                DEVICE_SCOPES, DEVICE_EVENTS),
)  # fmt: skip
