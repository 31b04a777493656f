"""Clients of a room from a chosen loopback address, and guests minted in bulk.

Linux routes all of 127.0.0.0/8 to loopback, so binding a client to 127.0.0.2
makes the server see another address: a second household next to the bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession, CookieJar, TCPConnector
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.web.auth import VIEWER_COOKIE
from tests.room.helpers import Browser

BOT_ADDRESS = "127.0.0.1"
NEIGHBOUR_ADDRESS = "127.0.0.2"


class AddressedBrowser(Browser):
    """A cookie-keeping client whose connections all come from `address`."""

    def __init__(self, server: TestServer, address: str) -> None:
        self.origin = str(server.make_url("/")).rstrip("/")
        self.session = ClientSession(
            base_url=server.make_url("/"),
            cookie_jar=CookieJar(unsafe=True),
            connector=TCPConnector(local_addr=(address, 0), limit=0),
        )


@asynccontextmanager
async def browser_at(
    server: TestServer, address: str = BOT_ADDRESS
) -> AsyncIterator[AddressedBrowser]:
    """An anonymous browser at `address`."""
    client = AddressedBrowser(server, address)
    try:
        yield client
    finally:
        await client.session.close()


async def fresh_guest(server: TestServer, client: Browser, name: str) -> str:
    """Give `client` a brand-new guest identity (its own cookie); returns the guest's id.

    Minted in the viewer store, as if the bot had paid whatever creating a guest
    costs: the room's limits must hold however many identities it has.
    """
    viewer, token = await server.app[SERVICES].accounts.viewers.create(name)
    client.session.cookie_jar.update_cookies({VIEWER_COOKIE: token})
    return viewer.id
