"""Payments never fail open: without Stripe, only a server nobody else can reach runs the dummy.

What broke: with no Stripe key the dummy gateway ran without a word on a
public server; any buyer "paid" with the public test card and the console
listed the order as paid like any other.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from livesale.config import ConfigError, Settings, load_settings
from livesale.payments.choice import choose_gateway
from tests.support.processes import free_port
from tests.support.served import served

ROOT = Path(__file__).resolve().parent.parent.parent
KEY_SETTING = "LIVESALE__PAYMENTS__STRIPE_SECRET_KEY"


def _settings(**env: str) -> Settings:
    return load_settings(None, env={f"LIVESALE__{k.upper()}": v for k, v in env.items()})


@pytest.mark.parametrize(
    "env",
    [
        {"server__host": "0.0.0.0"},
        {"server__host": "::"},
        {"server__host": "192.168.1.20"},
        {"server__host": "shop.example.com"},
        # Loopback behind a proxy on the same machine is public all the same.
        {"server__public_url": "https://live.example.com"},
        {"server__trusted_proxies": '["127.0.0.1"]'},
    ],
)
def test_a_reachable_server_without_stripe_refuses_to_start(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=KEY_SETTING):
        choose_gateway(_settings(**env))


@pytest.mark.parametrize(
    ("env", "gateway"),
    [
        ({}, "dummy"),  # the defaults: 127.0.0.1, what scripts/run starts
        ({"server__host": "::1"}, "dummy"),
        ({"server__host": "localhost", "server__public_url": "http://localhost:8080"}, "dummy"),
        ({"server__host": "0.0.0.0", "payments__gateway": "dummy"}, "dummy"),
        ({"server__host": "0.0.0.0", "payments__stripe_secret_key": "sk_test_1"}, "stripe"),
    ],
)
def test_the_dummy_runs_when_chosen_or_private(env: dict[str, str], gateway: str) -> None:
    assert choose_gateway(_settings(**env)) == gateway


def test_the_shipped_config_file_still_runs_the_dummy_on_loopback() -> None:
    assert choose_gateway(load_settings(ROOT / "config.toml", env={})) == "dummy"


async def test_livesale_serve_stops_with_a_message_naming_the_stripe_setting(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESALE__")}
    env.update(
        {
            "LIVESALE__SERVER__HOST": "0.0.0.0",
            "LIVESALE__SERVER__PORT": str(free_port()),
            "LIVESALE__SERVER__DATA_DIR": str(tmp_path / "data"),
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livesale",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert KEY_SETTING in err.decode()
    assert 'payments.gateway = "dummy"' in err.decode()
    assert b"running at" not in out
    # Stopped before anything started: no data folder, no Redis.
    assert not (tmp_path / "data").exists()


async def test_an_explicit_dummy_on_a_public_address_starts_and_says_so() -> None:
    async with served(server__host="0.0.0.0", payments__gateway="dummy") as running:
        log = running.log_text()
    assert "the offline dummy gateway is running" in log
    assert "WARNING" in next(line for line in log.splitlines() if "dummy gateway" in line)
