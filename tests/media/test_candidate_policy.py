"""Which remote ICE candidates the relay checks: RFC 8839 parsing, address classes, the cap."""

from __future__ import annotations

import ipaddress

import pytest
from prometheus_client import REGISTRY

from livesale.domain.errors import InvalidSdp
from livesale.media.candidates import (
    CandidatePolicy,
    LocalAddresses,
    RemoteCandidate,
    SessionCandidates,
    parse_candidate,
)
from livesale.media.sdp import parse_trickle_fragment

OWN_V4 = "192.0.2.2"  # documentation address: stands in for an interface of the relay


class FixedAddresses(LocalAddresses):
    """The relay's addresses as given, whatever this machine's interfaces are."""

    def __init__(self, own: set[str], broadcast: set[str]) -> None:
        super().__init__()
        self.own = {ipaddress.ip_address(a) for a in own}
        self.broadcast = {ipaddress.ip_address(a) for a in broadcast}

    def is_own(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return address in self.own

    def is_broadcast(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return address in self.broadcast


def policy(allow_private: bool = False) -> CandidatePolicy:
    return CandidatePolicy(allow_private, FixedAddresses({OWN_V4}, {"198.51.100.255"}))


def candidate(address: str, port: int = 50000, transport: str = "udp") -> RemoteCandidate:
    return parse_candidate(f"1 1 {transport} 2130706431 {address} {port} typ host")


def refused(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "livesale_media_ice_candidates_refused_total", {"reason": reason}
    )
    return value or 0.0


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("224.0.0.251", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("198.51.100.255", "broadcast"),  # a subnet of the relay's
        (OWN_V4, "own_address"),
        ("::ffff:192.0.2.2", "own_address"),
        ("169.254.169.254", "link_local"),  # cloud metadata services live here
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd00::1", "private"),
        ("fc12::1", "private"),
        ("::ffff:10.1.2.3", "private"),
        ("64:ff9b::a01:203", "private"),  # NAT64 of 10.1.2.3
        ("192.0.2.77", "reserved"),
        ("198.18.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("2001:db8::1", "reserved"),
    ],
)
def test_addresses_that_are_no_peers_are_refused(address: str, reason: str) -> None:
    assert policy().refusal(candidate(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "172.32.0.1",
        "2a00:1450:4001::1",
        "::ffff:8.8.8.8",
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_public_unicast_addresses_pass(address: str) -> None:
    assert policy().refusal(candidate(address)) is None


def test_allowing_private_candidates_lifts_only_the_local_classes() -> None:
    lan = policy(allow_private=True)
    for address in ("10.0.0.1", "fd00::1", "169.254.1.1", "127.0.0.1", "::1", OWN_V4):
        assert lan.refusal(candidate(address)) is None, address
    for address, reason in (
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("198.51.100.255", "broadcast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
    ):
        assert lan.refusal(candidate(address)) == reason


def test_names_low_ports_and_tcp_are_refused() -> None:
    checks = policy(allow_private=True)
    assert checks.refusal(candidate("0a1b2c3d-aaaa-bbbb-cccc-0123456789ab.local")) == "mdns"
    assert checks.refusal(candidate("Printer.LOCAL.")) == "mdns"
    assert checks.refusal(candidate("stun.example.com")) == "hostname"
    assert checks.refusal(candidate("93.184.216.34", port=53)) == "port"
    assert checks.refusal(candidate("93.184.216.34", port=1023)) == "port"
    assert checks.refusal(candidate("93.184.216.34", port=1024)) is None
    assert checks.refusal(candidate("93.184.216.34", port=9, transport="tcp")) == "transport"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1 1 udp 2130706431 93.184.216.34 5000",  # no type
        "1 1 udp 2130706431 93.184.216.34 5000 type host",
        "1 1 udp 2130706431 93.184.216.34 70000 typ host",  # port
        "1 0 udp 2130706431 93.184.216.34 5000 typ host",  # component 0
        "1 257 udp 2130706431 93.184.216.34 5000 typ host",
        "1 1 udp 0 93.184.216.34 5000 typ host",  # priority 0
        "1 1 udp 2147483648 93.184.216.34 5000 typ host",  # priority above 2^31-1
        "1 1 udp 99999999999 93.184.216.34 5000 typ host",
        "f" * 33 + " 1 udp 2130706431 93.184.216.34 5000 typ host",  # foundation > 32
        "a-b 1 udp 2130706431 93.184.216.34 5000 typ host",  # '-' is no ice-char
        "1 1 udp 2130706431 93.184.216.34 5000 typ magic",
        "1 1 udp 2130706431 93.184.216.34 5000 typ host raddr",  # odd extension
        "1 1 udp 2130706431 93.184.216.34 5000 typ srflx raddr 10.0.0.1",
        "1 1 udp 2130706431 93.184.216.34 5000 typ host\tgeneration 0",
        "1 1 udp 2130706431 93.184.216.34 5000 typ host\x00",
        "1 1 udp 2130706431 a\u00e9.example 5000 typ host",
    ],
)
def test_malformed_candidate_lines_are_invalid_sdp(value: str) -> None:
    with pytest.raises(InvalidSdp):
        parse_candidate(value)


def test_browser_candidates_parse() -> None:
    chrome = parse_candidate(
        "842163049 1 udp 1677729535 93.184.216.34 61234 typ srflx raddr 0.0.0.0 rport 0 "
        "generation 0 ufrag EsAw network-id 1 network-cost 10"
    )
    assert (chrome.type, chrome.address, chrome.port) == ("srflx", "93.184.216.34", 61234)
    firefox = parse_candidate("0 1 UDP 2122252543 a1b2c3.local 49170 typ host")
    assert firefox.transport == "udp"
    relay = parse_candidate(
        "3 1 udp 41885439 2a00:1450:4001::1 3478 typ relay raddr 2001:db8::5 rport 5000"
    )
    assert relay.address == "2a00:1450:4001::1"
    tcp = parse_candidate("4 1 tcp 1518280447 93.184.216.34 9 typ host tcptype active")
    assert tcp.transport == "tcp"


def offer_with(lines: list[str], end_of_candidates: bool = True) -> str:
    return "\r\n".join(
        [
            "v=0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            "a=mid:0",
            *lines,
            *(["a=end-of-candidates"] if end_of_candidates else []),
            "",
        ]
    )


def test_an_offer_keeps_what_it_may_and_the_cap_holds() -> None:
    session = SessionCandidates(policy(), limit=3)
    public = [
        f"a=candidate:{i} 1 udp 2130706431 93.184.216.{i} {5000 + i} typ host" for i in range(5)
    ]
    loopback = "a=candidate:9 1 udp 2130706431 127.0.0.1 5000 typ host"
    too_many, loop = refused("too_many"), refused("loopback")
    filtered = session.filter_sdp(offer_with([public[0], loopback, *public[1:]]))
    kept = [line for line in filtered.split("\r\n") if line.startswith("a=candidate:")]
    assert kept == public[:3]
    # aioice must keep waiting for the client's own checks: no end-of-candidates.
    assert "a=end-of-candidates" not in filtered
    assert refused("too_many") == too_many + 2
    assert refused("loopback") == loop + 1
    # A candidate already accepted (again, or in another m-line) costs nothing more.
    assert session.admit(parse_candidate(public[0][len("a=candidate:") :])) is None
    assert session.admit(parse_candidate(public[4][len("a=candidate:") :])) == "too_many"


def test_an_offer_with_nothing_refused_is_unchanged() -> None:
    session = SessionCandidates(policy(), limit=10)
    text = offer_with(["a=candidate:1 1 udp 2130706431 93.184.216.34 5000 typ host"])
    assert session.filter_sdp(text) == text
    assert not session.refused_any


def test_a_malformed_line_refuses_the_offer_and_counts_nothing() -> None:
    session = SessionCandidates(policy(), limit=10)
    loop = refused("loopback")
    with pytest.raises(InvalidSdp):
        session.filter_sdp(
            offer_with(
                [
                    "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host",
                    "a=candidate:2 1 udp 2130706431 127.0.0.1 notaport typ host",
                ]
            )
        )
    assert refused("loopback") == loop
    assert not session.accepted


def test_local_addresses_come_from_the_interfaces() -> None:
    local = LocalAddresses()
    assert local.is_own(ipaddress.ip_address("127.0.0.1"))
    assert not local.is_own(ipaddress.ip_address("93.184.216.34"))
    local.learn("93.184.216.34")  # a server-reflexive address of the relay
    assert local.is_own(ipaddress.ip_address("93.184.216.34"))
    assert CandidatePolicy(False, local).refusal(candidate("93.184.216.34")) == "own_address"


@pytest.mark.parametrize(
    ("credentials", "ok"),
    [
        ("a=ice-ufrag:abcd\r\na=ice-pwd:" + "p" * 22, True),
        ("a=ice-ufrag:ab+/\r\na=ice-pwd:" + "A1+/" * 64, True),
        ("a=ice-ufrag:abc\r\na=ice-pwd:" + "p" * 22, False),  # ufrag too short
        ("a=ice-ufrag:" + "u" * 257 + "\r\na=ice-pwd:" + "p" * 22, False),
        ("a=ice-ufrag:ab cd\r\na=ice-pwd:" + "p" * 22, False),
        ("a=ice-ufrag:ab=cd\r\na=ice-pwd:" + "p" * 22, False),
        ("a=ice-ufrag:abcd\r\na=ice-pwd:" + "p" * 21, False),  # pwd too short
        ("a=ice-ufrag:abcd\r\na=ice-pwd:" + "p" * 257, False),
        ("a=ice-ufrag:abcd\r\na=ice-pwd:" + "p" * 21 + "-", False),
    ],
)
def test_trickle_credentials_follow_rfc_8839(credentials: str, ok: bool) -> None:
    text = f"{credentials}\r\na=mid:0\r\n"
    if ok:
        assert parse_trickle_fragment(text).ufrag is not None
    else:
        with pytest.raises(InvalidSdp):
            parse_trickle_fragment(text)
