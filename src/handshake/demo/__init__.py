"""Demo data: bilingual catalog, warehouses, shoppers, operator, partners (``handshake demo``)."""
