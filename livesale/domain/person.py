"""The person behind a request, as far as limits can tell: the guest and the address.

A cookie costs nothing to drop, so limits meant for a person (holds, chat,
likes, bans) count against the guest identity *and* the address it comes
from. An IPv6 host usually owns a whole /64 and picks any address in it,
so IPv6 addresses are cut to their /64; an IPv4-mapped IPv6 address is the
IPv4 address it maps. Pure: the request side is `livesale.web.person`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# One IPv6 host usually owns a whole /64, so it is counted as one address.
IPV6_PREFIX = 64
# Every request whose address is missing or unreadable shares this one key.
UNKNOWN_ADDRESS = "unknown"


def address_key(client_ip: str | None) -> str:
    """The normalised address a request from `client_ip` counts against."""
    if not client_ip:
        return UNKNOWN_ADDRESS
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


@dataclass(frozen=True)
class PersonKeys:
    """Who a request counts as: its guest identity (if any) and its normalised address."""

    viewer_id: str | None
    address: str

    @property
    def viewer_key(self) -> str | None:
        """`viewer:<id>`, or None for a request without a guest identity."""
        return None if self.viewer_id is None else f"viewer:{self.viewer_id}"

    @property
    def address_key(self) -> str:
        """`address:<normalised address>` (IPv6 cut to its /64)."""
        return f"address:{self.address}"

    def keys(self) -> tuple[str, ...]:
        """Every key a per-person limit should count against: the guest's, then the address's."""
        viewer = self.viewer_key
        return (self.address_key,) if viewer is None else (viewer, self.address_key)


def person_keys(viewer_id: str | None, client_ip: str | None) -> PersonKeys:
    """The person keys of a guest id (or None) seen at `client_ip`."""
    return PersonKeys(viewer_id, address_key(client_ip))
