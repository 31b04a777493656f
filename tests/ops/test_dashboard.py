"""The Grafana dashboard imports cleanly and only reads series livesale exports."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.ops.ops_helpers import dashboard, dashboard_exprs, exported_names, livesale_names

GRID_WIDTH = 24
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}


def _cells(panel: dict[str, Any]) -> set[tuple[int, int]]:
    grid = panel["gridPos"]
    return {
        (x, y)
        for x in range(grid["x"], grid["x"] + grid["w"])
        for y in range(grid["y"], grid["y"] + grid["h"])
    }


def test_the_dashboard_has_what_grafana_needs_to_import_it() -> None:
    board = dashboard()
    assert board["title"] == "livesale"
    assert board["uid"]
    assert len(board["uid"]) <= 40
    assert 36 <= board["schemaVersion"] <= 41
    assert board.get("id") is None  # an import must not overwrite another dashboard
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    panels = board["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        grid = panel["gridPos"]
        assert {"x", "y", "w", "h"} <= grid.keys(), panel["title"]
        assert grid["x"] >= 0
        assert grid["w"] > 0
        assert grid["x"] + grid["w"] <= GRID_WIDTH
        assert panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        targets = panel["targets"]
        assert targets, panel["title"]
        ref_ids = [target["refId"] for target in targets]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in targets:
            assert target["expr"].strip(), panel["title"]
            assert target["datasource"] == DATASOURCE, panel["title"]
    for first, second in itertools.combinations(panels, 2):
        overlap = _cells(first) & _cells(second)
        assert not overlap, f"{first['title']!r} overlaps {second['title']!r}"


def test_the_dashboard_shows_what_operators_asked_for() -> None:
    titles = {panel["title"] for panel in dashboard()["panels"]}
    exprs = "\n".join(dashboard_exprs())
    for title in (
        "Live publishers and viewers",
        "Relay latency p99",
        "Room connections",
        "Room fan-out p99",
        "Shop holds by outcome",
        "Orders by status",
        "Payment events",
        "Webhook refusals",
        "Reconciliation",
        "Media sessions ended by outcome",
        "Media session failures",
        "Media bytes forwarded and dropped",
        "Viewer send queue",
        "Chat messages and likes",
        "Moderation actions",
        "Cart updates",
        "Checkouts by outcome",
        "Payment duration",
        "Gateway request duration p95",
        "Revenue by currency",
        "Webhook events by outcome",
        "Redis command p99",
        "Redis errors",
        "SQLite query p99",
        "SQLite errors",
        "Embedded Redis up",
        "Recordings being written",
        "Recording queue",
        "Recording failures and repairs",
    ):
        assert title in titles
    for quantile in (
        "histogram_quantile(0.99, sum by (le, kind) (rate(livesale_media_relay_latency_",
        "histogram_quantile(0.99, sum by (le) (rate(livesale_media_viewer_send_queue_bytes_",
        "histogram_quantile(0.95, sum by (le, gateway) (rate(livesale_shop_payment_duration_",
        "histogram_quantile(0.99, sum by (le, command) (rate(livesale_redis_command_duration_",
        "histogram_quantile(0.99, sum by (le, operation) (rate(livesale_sqlite_query_duration_",
    ):
        assert quantile in exprs


async def test_every_query_reads_exported_series(
    app_client: TestClient[web.Request, web.Application],
) -> None:
    exported = exported_names(await (await app_client.get("/metrics")).text())
    board = dashboard()
    variables = board["templating"]["list"]
    queries = [*dashboard_exprs(), *(v["query"] for v in variables if v["type"] == "query")]
    for expr in queries:
        named = livesale_names(expr)
        assert named, f"reads no livesale series: {expr}"
        assert named <= exported, f"{expr} reads what /metrics lacks: {sorted(named - exported)}"
