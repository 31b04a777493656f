"""Candidate floods: UDP sockets that count what reaches them, and offers full of candidates."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aioice import stun


class Trap(asyncio.DatagramProtocol):
    """A listening UDP socket that keeps every datagram it receives."""

    def __init__(self) -> None:
        self.datagrams: list[tuple[bytes, tuple[str, int]]] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.datagrams.append((data, addr))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def stun_requests(self) -> list[stun.Message]:
        """The STUN requests among the datagrams (what an ICE agent's checks are)."""
        found = []
        for data, _addr in self.datagrams:
            with contextlib.suppress(ValueError):
                message = stun.parse_message(data)
                if message.message_class == stun.Class.REQUEST:
                    found.append(message)
        return found


def _listening_socket(host: str) -> socket.socket:
    """A UDP socket on `host`; on "::" it also takes IPv4 (every local address of both)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


@asynccontextmanager
async def traps(count: int, host: str = "::") -> AsyncIterator[list[Trap]]:
    """`count` listening UDP sockets, closed afterwards."""
    loop = asyncio.get_running_loop()
    opened: list[Trap] = []
    try:
        for _ in range(count):
            transport, trap = await loop.create_datagram_endpoint(
                Trap, sock=_listening_socket(host)
            )
            trap.transport = transport
            opened.append(trap)
        yield opened
    finally:
        for trap in opened:
            if trap.transport is not None:
                trap.transport.close()
        await asyncio.gather(*(trap.closed for trap in opened if trap.transport is not None))


def received(found: list[Trap]) -> int:
    """Datagrams the traps received in all."""
    return sum(len(trap.datagrams) for trap in found)


def candidate_lines(targets: list[tuple[str, int]], first: int = 0) -> list[str]:
    """Host candidates naming each (address, port), with falling priorities."""
    return [
        f"a=candidate:{first + index} 1 udp {2130706431 - first - index} {host} {port} typ host"
        for index, (host, port) in enumerate(targets)
    ]


def without_lines(sdp: str, *prefixes: str) -> str:
    """`sdp` without the lines starting with any of `prefixes`."""
    return "\r\n".join(line for line in sdp.split("\r\n") if not line.startswith(prefixes))


def flood_offer(offer: str, lines: list[str]) -> str:
    """`offer` with its own candidates replaced by `lines` (in its first media section)."""
    kept = without_lines(offer, "a=candidate:", "a=end-of-candidates").split("\r\n")
    first_mid = next(i for i, line in enumerate(kept) if line.startswith("a=mid:"))
    flooded = [*kept[: first_mid + 1], *lines, "a=end-of-candidates", *kept[first_mid + 1 :]]
    return "\r\n".join(flooded)
