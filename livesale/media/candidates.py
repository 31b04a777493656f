"""Which remote ICE candidates the relay will send connectivity checks to.

A client names its candidates itself, and the relay's ICE agent sends STUN
requests to every one of them: without a check here, any viewer could aim
the media process at loopback services, the private network behind it or
any port on the internet. So candidate lines are parsed strictly (RFC 8839),
and a candidate is dropped (counted in `livesale_media_ice_candidates_refused_total`)
when its address is not one a remote peer can have, or when the session
already has `media.max_remote_candidates` of them. A viewer whose every
candidate is dropped still connects: its own checks reach the relay, which
learns its address from them (a peer-reflexive candidate).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import ifaddr

from livesale.domain.errors import InvalidSdp
from livesale.metrics import CandidateRefusal, count_candidate_refused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Refusal = CandidateRefusal
# Refusals that `media.allow_private_candidates` lifts (a LAN deployment, or
# peers on the relay's own machine); the others are never a peer's address.
PRIVATE_REFUSALS = frozenset({"loopback", "own_address", "link_local", "private"})

# RFC 8839 section 5.1: candidate-attribute. Foundation 1*32 ice-char, component
# 1*3DIGIT, transport token, priority 1*10DIGIT, address, port, "typ" type,
# optional raddr/rport and extension name/value pairs.
_ICE_CHARS = r"[A-Za-z0-9+/]"
_TOKEN = r"[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+"
_CANDIDATE = re.compile(
    rf"(?P<foundation>{_ICE_CHARS}{{1,32}}) (?P<component>[0-9]{{1,3}}) (?P<transport>{_TOKEN})"
    r" (?P<priority>[0-9]{1,10}) (?P<address>[A-Za-z0-9.:%\-]{1,255}) (?P<port>[0-9]{1,5})"
    rf" typ (?P<type>{_TOKEN})(?P<rest>(?: {_TOKEN} \S+)*)"
)
_CANDIDATE_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
# No WebRTC agent, NAT or TURN server hands out a port below this; the
# services there (DNS, NTP, SNMP...) are what a reflected STUN request would hit.
LOWEST_PORT = 1024
# This machine's addresses are re-read at most this often (interfaces rarely change).
_LOCAL_ADDRESSES_TTL_SECONDS = 10.0
# RFC 6598 shared address space (carrier-grade NAT, also used by some VPNs):
# private in practice, though Python's `is_private` leaves it out.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class RemoteCandidate:
    """One `a=candidate` line, checked against RFC 8839's grammar."""

    foundation: str
    component: int
    transport: str
    priority: int
    address: str
    port: int
    type: str


def parse_candidate(value: str) -> RemoteCandidate:
    """Parse the value of `a=candidate:`; InvalidSdp when it breaks RFC 8839."""
    match = _CANDIDATE.fullmatch(value.strip())
    if match is None:
        raise InvalidSdp("malformed a=candidate line", line=value[:200])
    component, priority, port = (int(match[name]) for name in ("component", "priority", "port"))
    if not 1 <= component <= 256 or not 1 <= priority <= 2**31 - 1 or port > 65535:
        raise InvalidSdp("a=candidate value out of range", line=value[:200])
    if match["type"] not in _CANDIDATE_TYPES:
        raise InvalidSdp("unknown candidate type", line=value[:200], type=match["type"])
    rest = match["rest"].split()
    names = rest[::2]
    if ("raddr" in names) != ("rport" in names):
        raise InvalidSdp("raddr and rport go together", line=value[:200])
    return RemoteCandidate(
        match["foundation"],
        component,
        match["transport"].lower(),
        priority,
        match["address"],
        port,
        match["type"],
    )


class LocalAddresses:
    """This machine's interface addresses and subnet broadcasts, re-read now and then."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._read_at = float("-inf")
        self._own: frozenset[IpAddress] = frozenset()
        self._broadcast: frozenset[IpAddress] = frozenset()
        self._learnt: set[IpAddress] = set()

    def learn(self, address: str) -> None:
        """Add an address of the relay's that no interface shows (a server-reflexive one)."""
        with contextlib.suppress(ValueError):
            self._learnt.add(_unwrap(ipaddress.ip_address(address.split("%", 1)[0])))

    def is_own(self, address: IpAddress) -> bool:
        """Whether `address` reaches this machine."""
        self._refresh()
        return address in self._own or address in self._learnt

    def is_broadcast(self, address: IpAddress) -> bool:
        """Whether `address` is the broadcast address of one of this machine's subnets."""
        self._refresh()
        return address in self._broadcast

    def _refresh(self) -> None:
        now = self._clock()
        if now - self._read_at < _LOCAL_ADDRESSES_TTL_SECONDS:
            return
        own: set[IpAddress] = set()
        broadcast: set[IpAddress] = set()
        for adapter in ifaddr.get_adapters():
            for ip in adapter.ips:
                text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
                address = ipaddress.ip_address(text.split("%", 1)[0])
                own.add(address)
                network = ipaddress.ip_network(f"{address}/{ip.network_prefix}", strict=False)
                if network.version == 4 and network.prefixlen < 31:
                    broadcast.add(network.broadcast_address)
        self._own, self._broadcast, self._read_at = frozenset(own), frozenset(broadcast), now


@dataclass(frozen=True)
class CandidatePolicy:
    """Which addresses a remote candidate may name."""

    allow_private: bool
    local: LocalAddresses = field(default_factory=LocalAddresses)

    def refusal(self, candidate: RemoteCandidate) -> Refusal | None:
        """Why the relay must not check `candidate`, or None when it may."""
        if candidate.transport != "udp":
            return "transport"  # the relay gathers UDP candidates only
        host = candidate.address.rstrip(".").lower()
        if host.endswith(".local"):
            # mDNS names hide a browser's LAN address; resolving them would have
            # the relay query its own network. The viewer's checks reveal it anyway.
            return "mdns"
        try:
            address = _unwrap(ipaddress.ip_address(host.split("%", 1)[0]))
        except ValueError:
            return "hostname"
        if candidate.port < LOWEST_PORT:
            return "port"
        reason = self.classify(address)
        if reason is None or (self.allow_private and reason in PRIVATE_REFUSALS):
            return None
        return reason

    def classify(self, address: IpAddress) -> Refusal | None:
        """What kind of non-public target `address` is; None for a public unicast address."""
        if address.is_unspecified or (address.version == 4 and address.packed[0] == 0):
            return "unspecified"
        if address.is_loopback:
            return "loopback"
        if address.is_multicast:
            return "multicast"
        if address == ipaddress.IPv4Address("255.255.255.255") or self.local.is_broadcast(address):
            return "broadcast"
        if self.local.is_own(address):
            return "own_address"
        if address.is_link_local:
            return "link_local"
        if _is_private_network(address):
            return "private"
        if not address.is_global:
            return "reserved"  # documentation, benchmarking, future use...
        return None


def _is_private_network(address: IpAddress) -> bool:
    """RFC 1918, RFC 6598 shared space and RFC 4193 unique local addresses."""
    if address.version == 4:
        return any(address in network for network in _PRIVATE_V4) or address in _SHARED
    return address in _ULA


_PRIVATE_V4 = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_ULA = ipaddress.ip_network("fc00::/7")


def _unwrap(address: IpAddress) -> IpAddress:
    """The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address, else `address`."""
    if address.version == 4:
        return address
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(address.packed[-4:])
    return address


@dataclass
class SessionCandidates:
    """The remote candidates one session has accepted, capped, and whether any was dropped."""

    policy: CandidatePolicy
    limit: int
    accepted: set[tuple[int, str, int]] = field(default_factory=set)
    refused_any: bool = False

    def admit(self, candidate: RemoteCandidate) -> Refusal | None:
        """Accept `candidate` (None), or say why it is dropped (and count it)."""
        reason = self.policy.refusal(candidate)
        target = (candidate.component, candidate.address.lower(), candidate.port)
        if reason is None and target not in self.accepted and len(self.accepted) >= self.limit:
            reason = "too_many"
        if reason is not None:
            self.refused_any = True
            count_candidate_refused(reason)
            return reason
        self.accepted.add(target)
        return None

    def filter_sdp(self, text: str) -> str:
        """`text` without the candidate lines this session refuses.

        Every line is parsed before any is admitted, so a malformed one refuses
        the whole offer and counts nothing. When a candidate was dropped, the
        offer's `a=end-of-candidates` goes too: with it aioice gives up as soon
        as the remaining pairs fail, before the client's own checks have had a
        chance to reveal a reachable (peer-reflexive) address.
        """
        separator = "\r\n" if "\r\n" in text else "\n"
        lines = text.split(separator)
        prefix = "a=candidate:"
        parsed = [
            parse_candidate(line[len(prefix) :]) if line.startswith(prefix) else None
            for line in lines
        ]
        kept = [
            line
            for line, candidate in zip(lines, parsed, strict=True)
            if candidate is None or self.admit(candidate) is None
        ]
        if self.refused_any:
            kept = [line for line in kept if line.strip() != "a=end-of-candidates"]
        return separator.join(kept)
