"""The seller's fulfilment: a show's parcels, shipping a parcel at once, the CSV export."""

from __future__ import annotations

import time

from livesale.domain.accounts import Creator
from livesale.domain.errors import (
    NotOwner,
    OrderStateConflict,
    ParcelNotFound,
)
from livesale.domain.fulfilment import PARCEL_FILTERS, Parcel, find_parcel, group_parcels
from livesale.domain.order_export import orders_csv
from livesale.domain.orders import Order, OrderStatus, Shipment
from livesale.domain.shows import Show
from livesale.shop.settlement import Settlement, order_lock
from livesale.storage.orders import OrderRepository
from livesale.storage.shows import ShowRepository


class FulfilmentService:
    """Parcels per buyer and address, shipping them, and the orders as a spreadsheet."""

    def __init__(
        self, orders: OrderRepository, shows: ShowRepository, settlement: Settlement
    ) -> None:
        self._orders = orders
        self._shows = shows
        self._settlement = settlement

    async def owned_show(self, creator: Creator, show_id: str) -> Show:
        """The creator's show (ShowNotFound, or NotOwner for someone else's)."""
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may see its orders", show_id=show_id)
        return show

    async def parcels(
        self, creator: Creator, show_id: str, statuses: frozenset[OrderStatus]
    ) -> tuple[Show, list[Parcel]]:
        """The show's orders in `statuses` (see PARCEL_FILTERS) grouped as parcels."""
        show = await self.owned_show(creator, show_id)
        orders = await self._orders.all_for_creator(creator.id, show_id=show.id, statuses=statuses)
        return show, group_parcels(show.id, orders)

    async def ship_parcel(
        self, creator: Creator, show_id: str, parcel_id: str, shipment: Shipment | None
    ) -> Parcel:
        """Mark every paid order of the parcel fulfilled, with one carrier and tracking."""
        _, parcels = await self.parcels(creator, show_id, PARCEL_FILTERS["all"])
        parcel = find_parcel(parcels, parcel_id)
        if parcel is None:
            raise ParcelNotFound("no parcel of this show has this id", parcel_id=parcel_id)
        if not parcel.to_ship:
            raise OrderStateConflict(
                "every order of this parcel is already sent",
                status=OrderStatus.FULFILLED.value,
                wanted=OrderStatus.FULFILLED.value,
            )
        shipped: list[Order] = []
        for order in parcel.orders:
            shipped.append(await self._ship(order, shipment) if order in parcel.to_ship else order)
        return Parcel(parcel.id, tuple(shipped))

    async def _ship(self, order: Order, shipment: Shipment | None) -> Order:
        async with self._settlement.locks.hold(order_lock(order.id)):
            try:
                return (
                    await self._orders.move(order.id, OrderStatus.FULFILLED, shipment=shipment)
                ).order
            except OrderStateConflict:
                # Refunded since the list was read: it stays as it is, the others ship.
                current = await self._orders.get(order.id)
                assert current is not None
                return current

    async def export(
        self, creator: Creator, show_id: str | None, status: OrderStatus | None
    ) -> tuple[bytes, str]:
        """The creator's orders as CSV (of one show, with one status when given) and a file
        name for it."""
        statuses = None if status is None else frozenset({status})
        titles: dict[str, str] = {}
        if show_id is not None:
            show = await self.owned_show(creator, show_id)
            titles[show.id] = show.title
        orders = await self._orders.all_for_creator(creator.id, show_id=show_id, statuses=statuses)
        for missing in {o.show_id for o in orders} - set(titles):
            titles[missing] = (await self._shows.get(missing)).title
        day = time.strftime("%Y%m%d", time.gmtime())
        name = f"orders-{show_id or 'all-shows'}-{status.value if status else 'all'}-{day}.csv"
        return orders_csv(orders, titles), name
