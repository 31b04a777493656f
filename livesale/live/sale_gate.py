"""Pin and show changes that must apply on every shop process at once.

Each shop process caches a show and its pin for a moment (a flash sale reads
them thousands of times a second). So a change cannot wait for the caches:
the flash sale is closed, or the show marked ended, in Redis where the stock
holds are decided, before the change is answered (a hold for a closed sale
gets the regular price, a live hold for an ended show is refused); then
every process is told to drop its cached show and pin, so the next buyer
sees the change without waiting for the cache either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from livesale.domain.checkout import sale_id_for
from livesale.domain.pins import TimelineEvent

# The room control message that tells every process a show's pin or status changed.
SHOW_CHANGED = "show_changed"


class ControlChannel(Protocol):
    """The room's channel to every process."""

    async def publish_control(self, message: dict[str, Any]) -> None:
        """Send `message` to every process."""

    def on_control(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call `handler` for every control message of `kind`."""


class SaleCloser(Protocol):
    """Where stock holds are decided: closes flash sales and ended shows."""

    async def close_sale(self, creator_id: str, sale_id: str) -> None:
        """Stop a live flash sale of the seller's."""

    async def close_show(self, creator_id: str, show_id: str) -> None:
        """Refuse live holds for the seller's show from now on."""


class SaleGate:
    """Closes sales and shows where holds are decided, and makes every process re-read them."""

    def __init__(
        self,
        stock: SaleCloser,
        control: ControlChannel,
        listeners: Sequence[Callable[[str], None]] = (),
    ) -> None:
        """`listeners(show_id)` are called when any process changes a show's pin or status."""
        self._stock = stock
        self._control = control
        self._listeners = list(listeners)
        control.on_control(SHOW_CHANGED, self._heard)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Also call `listener(show_id)` when any process changes a show's pin or status."""
        self._listeners.append(listener)

    async def close_sale(self, creator_id: str | None, pin: TimelineEvent | None) -> None:
        """Close the pin's flash sale, if it has one (before the pin leaves the timeline).

        `creator_id` is the show's seller, whose stock the sale is counted in;
        a show without one sells nothing, so there is nothing to close.
        """
        if creator_id is not None and pin is not None and pin.flash_sale is not None:
            await self._stock.close_sale(creator_id, sale_id_for(pin))

    async def close_show(self, creator_id: str | None, show_id: str) -> None:
        """Refuse live purchases in the seller's show (before it is marked ended)."""
        if creator_id is not None:
            await self._stock.close_show(creator_id, show_id)

    async def changed(self, show_id: str) -> None:
        """Tell this process now, and every other through Redis, to re-read the show and pin."""
        self._notify(show_id)
        await self._control.publish_control({"kind": SHOW_CHANGED, "show_id": show_id})

    def _heard(self, message: dict[str, Any]) -> None:
        show_id = message.get("show_id")
        if isinstance(show_id, str):
            self._notify(show_id)

    def _notify(self, show_id: str) -> None:
        for listener in self._listeners:
            listener(show_id)
