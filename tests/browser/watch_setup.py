"""Setting up the show page's tests: a live show with a bag and a flash sale, a guest who buys,
layout checks from bounding boxes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, CookieJar
from playwright.async_api import Browser, Locator, Page

from tests.browser.helpers import Api, create_product, create_show, go_live, sign_up

ADDRESS = {
    "line1": "1 Market Street",
    "city": "Springfield",
    "postal_code": "62701",
    "region": "IL",
    "country": "US",
}
Box = dict[str, float]


@dataclass
class BagShow:
    """A live show whose bag holds a Tee (pinned, on flash sale) and a Mug."""

    show_id: str
    tee: dict[str, Any]
    mug: dict[str, Any]
    host: Page


async def live_show_with_a_bag(
    api: Api, browser: Browser, base_url: str, errors: list[str], email: str = "ada@example.com"
) -> BagShow:
    """Ada live from the host page: Tee ($25, 5 in stock) pinned at $19 for 3 units, 1 each;
    Mug ($12, 9 in stock) in the bag."""
    await sign_up(api, email, "Ada")
    tee = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    mug = await create_product(
        api, "Mug", {"sku": "MUG-1", "price_minor": 1200, "currency": "USD", "stock": 9}
    )
    show_id, stream_key = await create_show(api, "Tee time", [tee["id"], mug["id"]])
    host = await go_live(browser, base_url, show_id, stream_key, errors)
    sale = {"sale_price_minor": 1900, "quantity": 3, "per_buyer_limit": 1, "duration_seconds": 600}
    await api(
        "POST", f"/api/shows/{show_id}/pin", json={"product_id": tee["id"], "flash_sale": sale},
        expect=201,
    )  # fmt: skip
    return BagShow(show_id, tee, mug, host)


async def guest_buys(base_url: str, show_id: str, variant_id: str, name: str) -> dict[str, Any]:
    """Another viewer buys and pays through the API (announced to the room); the paid order."""
    async with ClientSession(base_url, cookie_jar=CookieJar(unsafe=True)) as http:
        headers = {"Origin": base_url}

        async def call(path: str, body: dict[str, Any], method: str = "POST") -> Any:
            async with http.request(method, path, json=body, headers=headers) as response:
                assert response.status in (200, 201), await response.text()
                return await response.json()

        await call("/api/viewer", {"display_name": name}, method="PUT")
        buy = {"variant_id": variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
        checkout = (await call(f"/api/shows/{show_id}/buy", buy))["checkout"]
        details = {"email": "bo@example.com", "name": name, "address": ADDRESS, "announce": True}
        placed = await call(f"/api/checkouts/{checkout['id']}/order", details)
        payment_id = placed["payment"]["payment_id"]
        card = {"card_number": "4242 4242 4242 4242"}
        paid = await call(f"/api/payments/dummy/{payment_id}/confirm", card)
        order: dict[str, Any] = paid["order"]
        return order


async def box(locator: Locator) -> Box:
    """The element's bounding box once its own animations ended (it must be rendered)."""
    # A sheet sliding up (or a card sliding in) is measured where it comes to rest.
    await locator.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    found = await locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return {"x": found["x"], "y": found["y"], "width": found["width"], "height": found["height"]}


def inside(inner: Box, width: float, height: float) -> bool:
    """Whether the box lies wholly inside a viewport of `width` x `height`."""
    return (
        inner["x"] >= 0
        and inner["y"] >= 0
        and inner["x"] + inner["width"] <= width
        and inner["y"] + inner["height"] <= height
    )


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share any area."""
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


async def video_content_box(page: Page, selector: str) -> Box:
    """Where the picture is drawn inside a `<video>` with `object-fit: contain` (letterboxed)."""
    found: Box = await page.eval_on_selector(
        selector,
        """(video) => {
            const r = video.getBoundingClientRect();
            const scale = Math.min(r.width / video.videoWidth, r.height / video.videoHeight);
            const width = video.videoWidth * scale, height = video.videoHeight * scale;
            const x = r.x + (r.width - width) / 2, y = r.y + (r.height - height) / 2;
            return {x, y, width, height};
        }""",
    )
    return found
