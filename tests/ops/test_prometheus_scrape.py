"""A real Prometheus scrapes a real `livesale serve` and evaluates the kit's rules and queries."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.ops.ops_helpers import ALERTS_YML, as_promql, dashboard_exprs
from tests.ops.prometheus_process import (
    STARTUP_SECONDS,
    announced,
    free_port,
    get_json,
    prometheus,
    running,
    scraped,
)
from tests.ops.test_alert_rules import ALERTS
from tests.support.polling import poll_until


async def test_prometheus_scrapes_livesale_and_runs_the_kit(tmp_path: Path) -> None:
    livesale_port = free_port()
    livesale_env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(livesale_port),
        "LIVESALE__SERVER__DATA_DIR": str(tmp_path / "data"),
        "LIVESALE__SERVER__SHOP_PROCESSES": "0",
        "LIVESALE__SERVER__USE_UVLOOP": "false",
    }

    async with (
        running(
            sys.executable, "-m", "livesale", "serve",
            env=livesale_env, cwd=tmp_path, log=tmp_path / "livesale.log",
        ) as livesale,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
    ):  # fmt: skip
        # Serving before Prometheus starts: no failed first scrape makes LivesaleDown pending.
        await announced(livesale, livesale_port)
        async with prometheus(tmp_path, livesale_port, ALERTS_YML, session) as api:
            await poll_until(
                lambda: scraped(session, api, 'up{job="livesale"}', "1"),
                STARTUP_SECONDS,
                "a successful scrape",
            )
            await poll_until(
                lambda: scraped(session, api, 'livesale_room_connections{job="livesale"}', "0"),
                STARTUP_SECONDS,
                "livesale_room_connections in prometheus",
            )
            # Checked at start-up, before anything probed /readyz.
            assert await scraped(session, api, 'livesale_redis_up{job="livesale"}', "1")

            async def rules() -> list[dict[str, Any]]:
                data = await get_json(session, f"{api}/rules")
                return [rule for group in data["groups"] for rule in group["rules"]]

            async def every_rule_evaluated() -> bool:
                return all(rule["health"] != "unknown" for rule in await rules())

            await poll_until(every_rule_evaluated, STARTUP_SECONDS, "a first evaluation")
            loaded = await rules()
            assert sorted(rule["name"] for rule in loaded) == sorted(ALERTS)
            for rule in loaded:
                assert rule["health"] == "ok", rule
                assert rule["state"] == "inactive", rule  # a healthy idle server raises nothing
                # Evaluated now, with livesale's series present: nothing matches.
                data = await get_json(session, f"{api}/query", query=rule["query"])
                assert data["result"] == [], rule
            for expr in dashboard_exprs():  # Prometheus parses and runs every panel's query
                data = await get_json(session, f"{api}/query", query=as_promql(expr))
                assert data["resultType"] == "vector", expr
            data = await get_json(session, f"{api}/query", query="sum(livesale_room_connections)")
            assert data["result"][0]["value"][1] == "0"
