"""Carts and checkouts as their buyer sees them."""

from __future__ import annotations

from typing import Any

from livesale.domain.checkout import Checkout
from livesale.shop.carts import CartLine, CartView
from livesale.web.order_json import line_json


def checkout_json(checkout: Checkout) -> dict[str, Any]:
    """A checkout as its buyer sees it (hold ids stay on the server)."""
    return {
        "id": checkout.id,
        "show_id": checkout.show_id,
        "lines": [line_json(line) for line in checkout.lines],
        "currency": checkout.currency,
        "total_minor": checkout.total_minor,
        "expires_at": checkout.expires_at,
        "order_id": checkout.order_id,
    }


def cart_line_json(line: CartLine) -> dict[str, Any]:
    """A cart line at today's price, with the units available."""
    item = line.item
    return {
        "variant_id": item.variant.id,
        "product_id": item.product.id,
        "title": item.product.title,
        "variant_name": item.variant.name,
        "quantity": line.quantity,
        "unit_price_minor": item.unit_price_minor,
        "line_total_minor": line.total_minor,
        "flash_sale": item.sale is not None,
        "available": line.available,
    }


def cart_json(cart: CartView) -> dict[str, Any]:
    """The cart with each line's current price and available units."""
    return {
        "show_id": cart.show_id,
        "lines": [cart_line_json(line) for line in cart.lines],
        "currency": cart.currency,
        "total_minor": cart.total_minor,
        "expires_at": cart.expires_at,
    }
