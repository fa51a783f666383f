"""Dashboard catalog pages: search and paging, texts, archive/restore, prices, stock, warehouses."""

from __future__ import annotations

import re

import httpx

from handshake.bootstrap import Container
from handshake.catalog import service
from handshake.kernel.money import Money
from tests.admin_helpers import post_form, signed_in_operator
from tests.catalog_helpers import import_ok, make_warehouses, row

SKU = "ACM-X1-WHT"


async def _catalog(container: Container) -> tuple[str, str]:
    """The test product (12 in PAR1) and a second one; (product id, variant id)."""
    await make_warehouses(container)
    lamp = row(
        handle="acme-lamp", sku="ACM-LAMP", gtin=None, title_en="Glow lamp", title_fr="Lampe Glow"
    )
    await import_ok(container, [row(), lamp])
    detail = await service.get_variant(uow=container.read_uow(), reference=SKU)
    return detail.product_id, detail.variant.id


async def _product(container: Container, product_id: str, lang: str = "en") -> service.ProductView:
    return await service.get_product(
        uow=container.read_uow(), product_id=product_id, lang=lang, include_archived=True
    )


async def test_list_searches_and_pages_archived_products_too(
    client: httpx.AsyncClient, container: Container
) -> None:
    product_id, _ = await _catalog(container)
    await service.set_product_status(
        uow=container.uow(), product_id=product_id, status=service.ProductStatus.ARCHIVED
    )
    await signed_in_operator(client, container)
    page = await client.get("/admin/catalog?q=x1")
    assert page.status_code == 200
    assert re.findall(r'data-testid="product-row" data-product-id="([^"]+)"', page.text) == [
        product_id
    ]
    assert "archived" in page.text
    everything = await client.get("/admin/catalog")
    assert everything.text.count('data-testid="product-row"') == 2


async def test_texts_status_prices_and_stock_forms_change_the_catalog(
    client: httpx.AsyncClient, container: Container
) -> None:
    product_id, variant_id = await _catalog(container)
    token = await signed_in_operator(client, container)
    base = f"/admin/catalog/products/{product_id}"
    saved = await post_form(
        client, base, token, form="texts", title_en="Thermo X2", title_fr="Thermostat X2",
        description_en="Smarter.", description_fr="Plus malin.",
    )  # fmt: skip
    assert (saved.status_code, saved.headers["location"]) == (303, f"{base}?done=saved")
    english, french = (
        await _product(container, product_id),
        await _product(container, product_id, "fr"),
    )
    assert (english.title, english.description) == ("Thermo X2", "Smarter.")
    assert (french.title, french.description) == ("Thermostat X2", "Plus malin.")

    archived = await post_form(client, f"{base}/status", token, status="archived")
    assert archived.status_code == 303
    assert (await _product(container, product_id)).status == "archived"
    await post_form(client, f"{base}/status", token, status="active")
    assert (await _product(container, product_id)).status == "active"

    priced = await post_form(
        client, f"{base}/variants/{variant_id}/prices", token,
        currency="EUR", list_price="139.50", member_price="125",
    )  # fmt: skip
    assert priced.status_code == 303
    [variant] = (await _product(container, product_id)).variants
    assert (variant.list_price, variant.member_price) == (Money(13950, "EUR"), Money(12500, "EUR"))

    stock_url = f"{base}/variants/{variant_id}/stock"
    await post_form(client, stock_url, token, warehouse_code="PAR1", mode="adjust",
                    quantity="-2", reason="damaged in storage")  # fmt: skip
    await post_form(client, stock_url, token, warehouse_code="LYS1", mode="set",
                    quantity="7", reason="stock take")  # fmt: skip
    levels = await service.stock_of_variants(uow=container.read_uow(), variant_ids=[variant_id])
    assert [(lv.warehouse_code, lv.on_hand, lv.reserved) for lv in levels] == [
        ("LYS1", 7, 0),
        ("PAR1", 10, 0),
    ]
    page = await client.get(base)
    assert re.search(r'data-warehouse="PAR1">.*?data-testid="on-hand">10<', page.text, re.S)
    assert 'data-testid="list-price">139.50 EUR<' in page.text


async def test_bad_input_shows_a_form_error_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    product_id, variant_id = await _catalog(container)
    token = await signed_in_operator(client, container)
    base = f"/admin/catalog/products/{product_id}"
    refused = [
        (await post_form(client, f"{base}/variants/{variant_id}/prices", token,
                         currency="EUR", list_price="100.00", member_price="120.00",
                         form=f"prices-{variant_id}"), 422),
        (await post_form(client, f"{base}/variants/{variant_id}/prices", token,
                         currency="EUR", list_price="12,5x"), 422),
        (await post_form(client, f"{base}/variants/{variant_id}/stock", token,
                         warehouse_code="PAR1", mode="adjust", quantity="-50", reason="oops"), 409),
        (await post_form(client, f"{base}/variants/{variant_id}/stock", token,
                         warehouse_code="PAR1", mode="adjust", quantity="5", reason=" "), 422),
        (await post_form(client, base, token, form="texts", title_en="", title_fr="X"), 422),
    ]  # fmt: skip
    for response, status in refused:
        assert response.status_code == status, response.text
        assert 'data-testid="form-error"' in response.text
    assert 'value="120.00"' in refused[0][0].text  # the typed value is kept
    [variant] = (await _product(container, product_id)).variants
    assert (variant.list_price, variant.member_price) == (Money(12999, "EUR"), Money(11999, "EUR"))
    levels = await service.stock_of_variants(uow=container.read_uow(), variant_ids=[variant_id])
    assert [(lv.warehouse_code, lv.on_hand) for lv in levels] == [("LYS1", 0), ("PAR1", 12)]
    assert (await _product(container, product_id)).title == "Thermo X1 smart thermostat"


async def test_out_of_range_prices_and_units_are_form_errors_that_keep_the_input(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Amounts past Decimal's or the columns' range once crashed (500) the price and stock forms."""
    product_id, variant_id = await _catalog(container)
    token = await signed_in_operator(client, container)
    base = f"/admin/catalog/products/{product_id}/variants/{variant_id}"
    for amount in ("1e30", "1e999999", "21474836.48"):
        priced = await post_form(client, f"{base}/prices", token, currency="EUR",
                                 list_price=amount, form=f"prices-{variant_id}")  # fmt: skip
        assert priced.status_code == 422, amount
        assert 'data-testid="form-error"' in priced.text
        assert f'value="{amount}"' in priced.text
    stocked = await post_form(client, f"{base}/stock", token, warehouse_code="LYS1", mode="set",
                              quantity="99999999999999999999", reason="stock take",
                              form=f"stock-{variant_id}")  # fmt: skip
    assert stocked.status_code == 422
    assert "Give at most 10000000 units." in stocked.text
    assert 'value="99999999999999999999"' in stocked.text
    assert 'value="stock take"' in stocked.text
    assert re.search(r'<option value="LYS1" selected>', stocked.text)
    assert re.search(r'value="set" checked', stocked.text)
    [variant] = (await _product(container, product_id)).variants
    assert variant.list_price == Money(12999, "EUR")
    levels = await service.stock_of_variants(uow=container.read_uow(), variant_ids=[variant_id])
    assert [(lv.warehouse_code, lv.on_hand) for lv in levels] == [("LYS1", 0), ("PAR1", 12)]


async def test_a_variant_of_another_product_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Regression: the forms changed any variant named in the URL and said "saved"."""
    product_id, _ = await _catalog(container)
    lamp = await service.get_variant(uow=container.read_uow(), reference="ACM-LAMP")
    ids = [lamp.variant.id]
    before = await service.stock_of_variants(uow=container.read_uow(), variant_ids=ids)
    token = await signed_in_operator(client, container)
    base = f"/admin/catalog/products/{product_id}/variants/{lamp.variant.id}"
    priced = await post_form(client, f"{base}/prices", token, currency="EUR", list_price="1.00",
                             form=f"prices-{lamp.variant.id}")  # fmt: skip
    assert priced.status_code == 404
    assert "has no variant" in priced.text
    stocked = await post_form(client, f"{base}/stock", token, warehouse_code="PAR1", mode="set",
                              quantity="3", reason="stock take")  # fmt: skip
    assert stocked.status_code == 404
    after = await service.get_variant(uow=container.read_uow(), reference="ACM-LAMP")
    assert after.variant.list_price == lamp.variant.list_price
    after_stock = await service.stock_of_variants(uow=container.read_uow(), variant_ids=ids)
    assert [(lv.warehouse_code, lv.on_hand) for lv in after_stock] == [
        (lv.warehouse_code, lv.on_hand) for lv in before
    ]


async def test_warehouses_page_lists_each_warehouse(
    client: httpx.AsyncClient, container: Container
) -> None:
    await make_warehouses(container)
    await signed_in_operator(client, container)
    page = await client.get("/admin/catalog/warehouses?lang=fr")
    assert page.status_code == 200
    assert page.text.count('data-testid="warehouse-row"') == 2
    assert "16:00" in page.text
    assert "lun., mar., mer., jeu., ven." in page.text
