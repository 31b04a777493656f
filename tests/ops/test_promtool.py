"""promtool accepts the example config, the alert rules and what /metrics exports."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.ops.ops_helpers import (
    ALERTS_YML,
    PROMETHEUS_YML,
    binary,
    exported_names,
    livesale_names,
    run,
)


async def test_the_example_config_is_valid() -> None:
    status, output = await run(binary("promtool"), "check", "config", str(PROMETHEUS_YML))
    assert status == 0, output
    assert "1 rule files found" in output, output  # alerts.yml is found from the config


async def test_the_alert_rules_are_valid() -> None:
    status, output = await run(binary("promtool"), "check", "rules", str(ALERTS_YML))
    assert status == 0, output


async def test_metrics_pass_promtool_lint(
    app_client: TestClient[web.Request, web.Application],
) -> None:
    response = await app_client.get("/metrics")
    assert response.status == 200
    exposition = await response.read()
    status, output = await run(binary("promtool"), "check", "metrics", stdin=exposition)
    assert status == 0, output
    assert output.strip() == "", output  # lint problems are printed even when the exit is 0


async def test_the_alerts_read_only_exported_series(
    app_client: TestClient[web.Request, web.Application],
) -> None:
    exported = exported_names(await (await app_client.get("/metrics")).text())
    named = livesale_names(ALERTS_YML.read_text(encoding="utf-8"))
    assert named, "alerts.yml reads no livesale series"
    assert named <= exported, f"not exported by /metrics: {sorted(named - exported)}"
