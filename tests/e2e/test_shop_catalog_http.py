"""The shop site's catalog pages: landing page, search with facets and paging, product page."""

from __future__ import annotations

import re

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.catalog import views as catalog_views
from handshake.kernel import clock
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import FROZEN_START
from tests.shop_helpers import (
    CHAIR,
    DESK_BLACK,
    DESK_WHITE,
    FLOOR,
    ready_shopper,
    shop_catalog,
    tagged,
    text_of,
    variant_id,
)


def card_ids(html: str) -> list[str]:
    """The product ids of the product cards, in page order."""
    return [re.search(r'data-product-id="([^"]+)"', tag).group(1)  # type: ignore[union-attr]
            for tag in tagged(html, "product-card")]  # fmt: skip


async def test_search_and_facets_find_exactly_the_matching_products(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Words, category (with sub-categories), brand, price range and in-stock each filter."""
    ids = await shop_catalog(container)
    desk, floor, chair = ids[DESK_BLACK], ids[FLOOR], ids[CHAIR]
    cases = {
        "": [desk, floor, chair],
        "q=lamp": [desk, floor],
        "q=chene": [chair],  # accents and the other language's title both match
        "category=home/lighting": [desk, floor],
        "category=home": [desk, floor, chair],
        "brand=oakline": [chair],
        "max_price=50": [desk],
        "min_price=80&max_price=100": [chair],
        "in_stock=on": [desk, floor],
        "q=lamp&brand=Lumen&in_stock=on&max_price=100": [desk],
        "q=sofa": [],
    }
    for query, expected in cases.items():
        page = await client.get(f"/products?{query}")
        assert page.status_code == 200, (query, page.text)
        assert card_ids(page.text) == expected, query
    none = await client.get("/products?q=sofa")
    assert tagged(none.text, "no-results") != []


async def test_facets_list_the_catalogs_brands_and_categories(
    client: httpx.AsyncClient, container: Container
) -> None:
    await shop_catalog(container)
    page = await client.get("/products?brand=Lumen")
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page.text)
    assert options == [
        ("", "All categories"), ("home", "Home"), ("home/furniture", "— Furniture"),
        ("home/lighting", "— Lighting"), ("", "All brands"), ("Lumen", "Lumen (2)"),
        ("Oakline", "Oakline (1)"),
    ]  # fmt: skip
    assert '<option value="Lumen" selected>' in page.text


async def test_pages_follow_the_cursor_and_keep_the_filters(
    client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 1)
    ids = await shop_catalog(container)
    first = await client.get("/products?q=lamp")
    assert card_ids(first.text) == [ids[DESK_BLACK]]
    link = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert link is not None
    second = await client.get(link.group(1).replace("&amp;", "&"))
    assert card_ids(second.text) == [ids[FLOOR]]
    assert tagged(second.text, "next-page") == []  # the last page
    bad = await client.get("/products?cursor=not-ours")
    assert bad.status_code == 400
    assert 'id="results-error"' in bad.text
    assert card_ids(bad.text) == []


async def test_htmx_search_answers_the_results_alone(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await shop_catalog(container)
    fragment = await client.get("/products?brand=Oakline", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert card_ids(fragment.text) == [ids[CHAIR]]


async def test_a_bad_price_is_a_form_error_with_no_results(
    client: httpx.AsyncClient, container: Container
) -> None:
    await shop_catalog(container)
    page = await client.get("/products?min_price=cheap")
    assert page.status_code == 422
    assert "&#39;cheap&#39; is not an amount in EUR." in page.text
    assert re.search(r'id="min_price"[^>]*aria-invalid="true"', page.text)
    assert card_ids(page.text) == []


async def test_a_price_beyond_any_amount_is_a_form_error_not_a_crash(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Past Decimal's range, or past the price column: both once answered 500."""
    await shop_catalog(container)
    for query, field in (("min_price=1e999999", "min_price"),
                         ("max_price=99999999999999999999", "max_price")):  # fmt: skip
        page = await client.get(f"/products?{query}")
        assert page.status_code == 422, query
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page.text), query
        assert card_ids(page.text) == []
    assert "Prices go up to 21474836.47 EUR." in page.text
    assert 'value="99999999999999999999"' in page.text  # the typed bound is kept


async def test_member_prices_are_a_teaser_for_others_and_the_price_for_members(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await shop_catalog(container)
    anonymous = await client.get(f"/products/{ids[DESK_BLACK]}")
    assert text_of(anonymous.text, "price") == ["40.00 EUR"]
    assert text_of(anonymous.text, "member-price") == ["Member price: 35.00 EUR"]
    listing = await client.get("/products?q=desk")
    assert text_of(listing.text, "member-price") == ["Member price: 35.00 EUR"]
    await signed_in_shopper(client, container, member=True)
    member = await client.get(f"/products/{ids[DESK_BLACK]}")
    assert text_of(member.text, "member-price") == ["35.00 EUR"]
    assert text_of(member.text, "price") == ["40.00 EUR"]
    assert 'class="price member-price"' in member.text


async def test_product_page_shows_variants_stock_and_the_chosen_variant(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await shop_catalog(container)
    black, white = await variant_id(container, DESK_BLACK), await variant_id(container, DESK_WHITE)
    page = await client.get(f"/products/{ids[DESK_BLACK]}")
    assert page.status_code == 200
    assert "<h1>Desk lamp</h1>" in page.text
    assert text_of(page.text, "variant-option") == ["black", "white"]
    assert re.search(rf'data-variant-id="{black}"[^>]*aria-current="true"', page.text, re.S)
    assert text_of(page.text, "stock-state") == ["In stock"]
    assert f'name="variant_id" value="{black}"' in page.text
    white_page = await client.get(f"/products/{ids[DESK_BLACK]}?variant={white}")
    assert text_of(white_page.text, "price") == ["42.00 EUR"]
    assert text_of(white_page.text, "stock-state") == ["Out of stock"]
    assert re.search(r'data-testid="add-to-cart"[^>]*disabled', white_page.text)
    floor = await client.get(f"/products/{ids[FLOOR]}")
    assert text_of(floor.text, "stock-state") == ["Only 2 left"]
    missing = await client.get("/products/prd_00000000000000000000000000")
    assert missing.status_code == 404
    assert "Product not found" in missing.text


async def test_delivery_promise_to_the_shoppers_default_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Thursday 10:00 in Paris, before the cut-off: tomorrow to 75011; today for members."""
    with clock.frozen_at(FROZEN_START):
        ids = await shop_catalog(container)
        await ready_shopper(client, container)
        page = await client.get(f"/products/{ids[DESK_BLACK]}")
        assert text_of(page.text, "delivery-promise") == [
            "Delivered tomorrow 8–22 h to your address (75011)"
        ]
        assert 'name="postal_code"' not in page.text  # the address is known
        await ready_shopper(client, container, member=True)
        member = await client.get(f"/products/{ids[DESK_BLACK]}?lang=fr")
    assert text_of(member.text, "delivery-promise") == [
        "Livré aujourd'hui 8 h–22 h à votre adresse (75011) livraison membre"
    ]


async def test_anonymous_visitors_ask_the_promise_for_a_postal_code(
    client: httpx.AsyncClient, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        ids = await shop_catalog(container)
        product = ids[DESK_BLACK]
        first = await client.get(f"/products/{product}")
        assert text_of(first.text, "delivery-promise") == [
            "Type your postal code to see when it would arrive."
        ]
        assert 'hx-get="/products/' + product + '/delivery-promise"' in first.text
        fragment = await client.get(
            f"/products/{product}/delivery-promise",
            params={"postal_code": "13001", "country": "FR"},
            headers={"HX-Request": "true"},
        )
        page = await client.get(f"/products/{product}?postal_code=75011&country=FR")
        abroad = await client.get(
            f"/products/{product}/delivery-promise",
            params={"postal_code": "10115", "country": "DE"},
        )
        bad = await client.get(
            f"/products/{product}/delivery-promise", params={"postal_code": "<script>"}
        )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="delivery-promise"')
    assert text_of(fragment.text, "delivery-promise") == ["Delivered Saturday 8–20 h to 13001"]
    assert text_of(page.text, "delivery-promise") == ["Delivered tomorrow 8–22 h to 75011"]
    assert text_of(abroad.text, "delivery-promise") == ["We cannot deliver this item to 10115."]
    assert bad.status_code == 422
    assert text_of(bad.text, "delivery-promise") == [
        "Type a postal code: letters, digits and spaces only."
    ]


async def test_home_page_pitches_categories_and_products(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await shop_catalog(container)
    page = await client.get("/")
    assert page.status_code == 200
    assert "Welcome to the store" in page.text
    assert 'href="/products?category=home"' in page.text
    assert card_ids(page.text) == [ids[DESK_BLACK], ids[FLOOR]]  # in stock only
    assert 'href="/signin"' in page.text
    assert 'href="/account/links"' in page.text


async def test_shop_pages_in_french(client: httpx.AsyncClient, container: Container) -> None:
    ids = await shop_catalog(container)
    page = await client.get("/products?q=lamp&lang=fr")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "<h1>Boutique</h1>" in page.text
    assert card_ids(page.text) == [ids[DESK_BLACK], ids[FLOOR]]
    assert ">Lampe de bureau</a>" in page.text
    assert text_of(page.text, "member-price") == ["Prix membre : 35.00 EUR"]
    assert text_of(page.text, "stock-state") == ["En stock", "Plus que 2"]
    assert "Toutes les marques" in page.text
