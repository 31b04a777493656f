"""A real Prometheus scrapes a real `livesale serve` and evaluates the kit's rules and queries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.ops.ops_helpers import ALERTS_YML, as_promql, binary, dashboard_exprs
from tests.ops.test_alert_rules import ALERTS
from tests.support.polling import poll_until

STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _running(
    *args: str, env: dict[str, str], cwd: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a process (stderr to `log`); stop it with SIGTERM and check it exited cleanly."""
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
        try:
            yield process
            process.send_signal(signal.SIGTERM)
            # communicate(), not wait(): it also reads stdout to its end, which closes the pipe.
            await asyncio.wait_for(process.communicate(), STOP_SECONDS)
            assert process.returncode == 0, f"{args[0]} exited with {process.returncode}; see {log}"
        finally:
            if process.returncode is None:
                process.kill()
            await process.communicate()


async def _get_json(session: aiohttp.ClientSession, url: str, **params: str) -> Any:
    async with session.get(url, params=params) as response:
        body = await response.json()
        assert response.status == 200, body
    assert body["status"] == "success", body
    return body["data"]


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_prometheus_scrapes_livesale_and_runs_the_kit(tmp_path: Path) -> None:
    livesale_port, prometheus_port = _free_port(), _free_port()
    livesale_env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(livesale_port),
        "LIVESALE__SERVER__DATA_DIR": str(tmp_path / "data"),
        "LIVESALE__SERVER__SHOP_PROCESSES": "0",
        "LIVESALE__SERVER__USE_UVLOOP": "false",
    }
    config = {  # JSON is YAML, so Prometheus reads this as it is
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS_YML)],
        "scrape_configs": [
            {
                "job_name": "livesale",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [f"127.0.0.1:{livesale_port}"]}],
            }
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    api = f"http://127.0.0.1:{prometheus_port}/api/v1"
    prometheus_log = tmp_path / "prometheus.log"

    async with (
        _running(
            sys.executable, "-m", "livesale", "serve",
            env=livesale_env, cwd=tmp_path, log=tmp_path / "livesale.log",
        ) as livesale,
        _running(
            binary("prometheus"),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
            env=dict(os.environ), cwd=tmp_path, log=prometheus_log,
        ),
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
    ):  # fmt: skip
        assert livesale.stdout is not None
        announced = await asyncio.wait_for(livesale.stdout.readline(), STARTUP_SECONDS)
        assert f"http://127.0.0.1:{livesale_port}/" in announced.decode()
        ready_url = f"http://127.0.0.1:{prometheus_port}/-/ready"
        await poll_until(
            lambda: _answers(session, ready_url), STARTUP_SECONDS, f"prometheus ({prometheus_log})"
        )

        async def scraped(promql: str, value: str) -> bool:
            data = await _get_json(session, f"{api}/query", query=promql)
            return any(sample["value"][1] == value for sample in data["result"])

        await poll_until(
            lambda: scraped('up{job="livesale"}', "1"), STARTUP_SECONDS, "a successful scrape"
        )
        await poll_until(
            lambda: scraped('livesale_room_connections{job="livesale"}', "0"),
            STARTUP_SECONDS,
            "livesale_room_connections in prometheus",
        )
        # Checked at start-up, before anything probed /readyz.
        assert await scraped('livesale_redis_up{job="livesale"}', "1")

        async def rules() -> list[dict[str, Any]]:
            data = await _get_json(session, f"{api}/rules")
            return [rule for group in data["groups"] for rule in group["rules"]]

        async def every_rule_evaluated() -> bool:
            return all(rule["health"] != "unknown" for rule in await rules())

        await poll_until(every_rule_evaluated, STARTUP_SECONDS, "a first evaluation of alerts.yml")
        loaded = await rules()
        assert sorted(rule["name"] for rule in loaded) == sorted(ALERTS)
        for rule in loaded:
            assert rule["health"] == "ok", rule
            assert rule["state"] == "inactive", rule  # a healthy idle server raises nothing
            # Evaluated now, with livesale's series present: nothing matches.
            data = await _get_json(session, f"{api}/query", query=rule["query"])
            assert data["result"] == [], rule
        for expr in dashboard_exprs():  # Prometheus parses and runs every panel's query
            data = await _get_json(session, f"{api}/query", query=as_promql(expr))
            assert data["resultType"] == "vector", expr
        data = await _get_json(session, f"{api}/query", query="sum(livesale_room_connections)")
        assert data["result"][0]["value"][1] == "0"
