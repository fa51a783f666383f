"""Errors of the catalog domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import Conflict, InvalidInput, NotFound


class ProductNotFound(NotFound):
    """No product with this id (or it is archived, for shoppers)."""

    code = "product_not_found"


class VariantNotFound(NotFound):
    """No variant with this id or SKU."""

    code = "variant_not_found"


class WarehouseNotFound(NotFound):
    """No warehouse with this code."""

    code = "warehouse_not_found"


class HandleTaken(Conflict):
    """Another product already has this handle."""

    code = "handle_taken"


class SkuTaken(Conflict):
    """Another variant already has this SKU."""

    code = "sku_taken"


class GtinTaken(Conflict):
    """Another variant already has this GTIN."""

    code = "gtin_taken"


class WarehouseCodeTaken(Conflict):
    """Another warehouse already has this code."""

    code = "warehouse_code_taken"


class OutOfStock(Conflict):
    """Not enough units are available to reserve (others bought them first)."""

    code = "out_of_stock"


class InsufficientStock(Conflict):
    """The change would take available stock below zero."""

    code = "insufficient_stock"


class BelowReserved(Conflict):
    """On-hand stock cannot be set below the units already reserved."""

    code = "stock_below_reserved"


class InvalidPrice(InvalidInput):
    """A price is negative, has too many decimals, or the member price exceeds the list price."""

    code = "invalid_price"


class InvalidWarehouse(InvalidInput):
    """A warehouse definition is unusable (time zone, cut-off, weekdays, zones)."""

    code = "invalid_warehouse"


class InvalidProduct(InvalidInput):
    """A product definition breaks a rule (no variants, bad GTIN, duplicate SKU in request)."""

    code = "invalid_product"


class InvalidImportFile(InvalidInput):
    """The import file cannot be read at all (not CSV/JSON, wrong top-level shape)."""

    code = "invalid_import_file"


class InvalidCursor(InvalidInput):
    """The pagination cursor was not issued by us (or is corrupted)."""

    # A malformed request rather than a broken business rule: answered 400.
    category = "bad_request"
    code = "invalid_cursor"
