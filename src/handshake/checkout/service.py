"""Use cases of checkout, by module: cart, sessions, completion, orders, reservations."""

from __future__ import annotations

from handshake.checkout.cart import CartItem as CartItem
from handshake.checkout.cart import CartView as CartView
from handshake.checkout.cart import add_to_cart as add_to_cart
from handshake.checkout.cart import cart_export as cart_export
from handshake.checkout.cart import checkout_cart as checkout_cart
from handshake.checkout.cart import empty_cart as empty_cart
from handshake.checkout.cart import remove_from_cart as remove_from_cart
from handshake.checkout.cart import set_cart_quantity as set_cart_quantity
from handshake.checkout.cart import view_cart as view_cart
from handshake.checkout.catalog_sessions import CatalogItem as CatalogItem
from handshake.checkout.catalog_sessions import (
    create_catalog_checkout_session as create_catalog_checkout_session,
)
from handshake.checkout.catalog_sessions import note_checkout_session as note_checkout_session
from handshake.checkout.catalog_sessions import (
    update_catalog_checkout_session as update_catalog_checkout_session,
)
from handshake.checkout.completion import Confirmation as Confirmation
from handshake.checkout.completion import DelegatedPayment as DelegatedPayment
from handshake.checkout.completion import complete_checkout as complete_checkout
from handshake.checkout.delivery_address import DeliveryAddress as DeliveryAddress
from handshake.checkout.documents import full_document as full_document
from handshake.checkout.documents import partner_document as partner_document
from handshake.checkout.order_observers import OrderObserver as OrderObserver
from handshake.checkout.order_observers import observe_orders as observe_orders
from handshake.checkout.orders import CANCELLABLE as CANCELLABLE
from handshake.checkout.orders import OrderDetails as OrderDetails
from handshake.checkout.orders import OrderFilter as OrderFilter
from handshake.checkout.orders import OrderPage as OrderPage
from handshake.checkout.orders import cancel_order as cancel_order
from handshake.checkout.orders import erase_order_addresses as erase_order_addresses
from handshake.checkout.orders import export_orders_of_shopper as export_orders_of_shopper
from handshake.checkout.orders import get_order as get_order
from handshake.checkout.orders import list_orders as list_orders
from handshake.checkout.orders import mark_delivered as mark_delivered
from handshake.checkout.orders import refund_order as refund_order
from handshake.checkout.orders import ship_order as ship_order
from handshake.checkout.placement import PlacedOrder as PlacedOrder
from handshake.checkout.policy import CheckoutPolicy as CheckoutPolicy
from handshake.checkout.reservations import EXPIRE_JOB as EXPIRE_JOB
from handshake.checkout.reservations import expire_due_reservations as expire_due_reservations
from handshake.checkout.reservations import (
    expire_session_reservations as expire_session_reservations,
)
from handshake.checkout.sessions import Buyer as Buyer
from handshake.checkout.sessions import KeptAnswer as KeptAnswer
from handshake.checkout.sessions import RequestedItem as RequestedItem
from handshake.checkout.sessions import SessionChanges as SessionChanges
from handshake.checkout.sessions import cancel_checkout_session as cancel_checkout_session
from handshake.checkout.sessions import create_checkout_session as create_checkout_session
from handshake.checkout.sessions import get_checkout_session as get_checkout_session
from handshake.checkout.sessions import update_checkout_session as update_checkout_session
from handshake.checkout.sheet_links import sheet_path as sheet_path
from handshake.checkout.sheet_links import sheet_url as sheet_url
from handshake.checkout.sheet_payment import pay_from_sheet as pay_from_sheet
from handshake.checkout.sheet_payment import sheet_buyer as sheet_buyer
from handshake.checkout.summary import CheckoutSummary as CheckoutSummary
