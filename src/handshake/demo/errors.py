"""Errors of the demo loader."""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput


class DemoDataRejected(InvalidInput):
    """The store refused part of the demo data (a bug in the demo generator or a schema drift)."""

    code = "demo_data_rejected"
