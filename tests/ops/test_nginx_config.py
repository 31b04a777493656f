"""The shipped nginx config passes `nginx -t` and says what livesale's settings need."""

from __future__ import annotations

import re
from pathlib import Path

from livesale.config import ServerSettings
from tests.support.nginx import SHIPPED, check, self_signed, with_certificate, write_config


async def test_the_shipped_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    site = with_certificate(SHIPPED.read_text(), self_signed(tmp_path / "tls"))
    status, output = await check(write_config(tmp_path, site))
    assert status == 0, output
    assert "test is successful" in output, output


def test_the_shipped_config_matches_what_the_nodes_expect() -> None:
    text = SHIPPED.read_text()
    # The nodes believe a trusted proxy's client address and scheme (server.trusted_proxies).
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    # Bodies the nodes accept get through (server.max_body_bytes, images up to 5 MiB).
    size = re.search(r"client_max_body_size (\d+)m;", text)
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 >= ServerSettings().max_body_bytes
    # WHIP and WHEP of one show go to one node; the room upgrades to a WebSocket.
    assert "hash $livesale_show consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    # Headers are set once for the whole server: one set in a location drops the rest there.
    locations = re.findall(r"\n\s*location [^{]*\{[^}]*\}", text)
    assert len(locations) == 4
    assert not any("proxy_set_header" in location for location in locations)
