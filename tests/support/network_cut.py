"""A network that can go away: drop every datagram of a peer connection, both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection


class _DroppingTransport:
    """A datagram transport whose sends vanish while its cut is active."""

    def __init__(self, inner: Any, cut: NetworkCut) -> None:
        self._inner = inner
        self._cut = cut

    def sendto(self, data: bytes, addr: Any = None) -> None:
        """Send, unless the network is down."""
        if self._cut.down:
            self._cut.dropped_out += 1
            return
        self._inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class NetworkCut:
    """Unplug a peer connection's network without telling it: its UDP goes nowhere, both ways.

    The peer connection is not closed and not told: ICE, DTLS and RTP carry on
    as on a cable pulled out, until the cut ends.
    """

    def __init__(self, pc: RTCPeerConnection) -> None:
        self.down = False
        self.dropped_out = 0
        self.dropped_in = 0
        seen: set[int] = set()
        for transceiver in pc.getTransceivers():
            dtls: Any = transceiver.sender.transport
            connection = dtls.transport._connection  # aioice: every local socket
            if id(connection) in seen:
                continue
            seen.add(id(connection))
            for protocol in connection._protocols:
                protocol.transport = _DroppingTransport(protocol.transport, self)
                protocol.datagram_received = self._dropping(protocol.datagram_received)

    def _dropping(self, original: Callable[[bytes, Any], None]) -> Callable[[bytes, Any], None]:
        def received(data: bytes, addr: Any) -> None:
            if self.down:
                self.dropped_in += 1
                return
            original(data, addr)

        return received
