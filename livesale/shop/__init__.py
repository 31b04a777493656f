"""The shop around the show: carts, checkout, orders, payments and stock messages."""
