"""The alerts fire on the situations their annotations describe, and stay quiet otherwise.

Each case is a `promtool test rules` unit test: made-up series in, expected alerts out.
The series are what /metrics gives: a labelled counter has every known label set from
start-up, at 0 until its first event (`livesale.metric_series`), and `_counter` writes them
all; a case changes only the label sets that move.
The test file is written as JSON, which YAML (and so promtool) reads as it is. promtool
compares annotations too, so the rules are tested from a copy without them (their
templates are checked by `promtool check rules` and a real Prometheus in the other tests).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from livesale.metric_series import known_series
from livesale.roles import Role
from tests.ops.ops_helpers import ALERTS_YML, binary, run

ALERTS = [
    "LivesaleDown",
    "LivesaleLiveShowWithoutPublisher",
    "LivesaleViewersFailingToConnect",
    "LivesalePaymentFailureRatioHigh",
    "LivesaleWebhookSignatureFailures",
    "LivesaleRedisDown",
    "LivesaleSQLiteErrors",
    "LivesaleRecordingFailing",
    "LivesaleStockDrift",
]
A = 'job="livesale", instance="a:8080"'
B = 'job="livesale", instance="b:8080"'
ON_A = {"job": "livesale", "instance": "a:8080"}  # an alert's labels for a series of A
PAYMENTS = "livesale_shop_payment_events_total"
FAILED = 'kind="failed", result="applied"'
SUCCEEDED = 'kind="succeeded", result="applied"'
STARTED = "livesale_media_sessions_started_total"
VIEWER_FAILURES = "livesale_media_session_failures_total"
RECORDING_FAILURES = "livesale_recording_failures_total"
REDIS_ERRORS = "livesale_redis_errors_total"
VIEWER = 'role="viewer"'
STOCK_REPAIRS = "livesale_shop_stock_repairs_total"


def _label_sets(names: tuple[str, ...], labels: tuple[tuple[str, ...], ...]) -> list[str]:
    """Every combination of known label values, written as in a series selector."""
    return [
        ", ".join(f'{name}="{value}"' for name, value in zip(names, combination, strict=True))
        for combination in itertools.product(*labels)
    ]


# Each labelled counter's known label sets, as /metrics writes them from start-up.
_LABEL_SETS = {
    f"{described.name}_total": _label_sets(metric._labelnames, labels)
    for metric, labels in known_series(Role.ALL)
    for described in metric.describe()
    if described.type == "counter"
}


def _series(series: str, values: str) -> dict[str, str]:
    return {"series": series, "values": values}


def _counter(
    name: str, on: str, minutes: int, moving: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """A labelled counter of one instance as /metrics gives it: every known label set at 0
    for `minutes` minutes from start-up, except the label sets in `moving` (labels as
    /metrics orders them -> values), which take their own values."""
    moved = moving or {}
    assert moved.keys() <= set(_LABEL_SETS[name]), f"not a label set of {name}: {moved}"
    return [
        _series(f"{name}{{{on}, {labels}}}", moved.get(labels, f"0x{minutes}"))
        for labels in _LABEL_SETS[name]
    ]


def _fires(alert: str, at: str, **labels: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": [{"exp_labels": labels}]}


def _quiet(alert: str, at: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": []}


# Series sampled every minute. "0+2x30" is 0, 2, 4, ... (31 samples); "3x10" is 3 eleven times.
CASES: dict[str, tuple[list[dict[str, str]], list[dict[str, Any]]]] = {
    "process_down": (
        [_series(f"up{{{A}}}", "1 1 0 0 0 0"), _series(f"up{{{B}}}", "1x5")],
        [
            _fires("LivesaleDown", "4m", severity="critical", **ON_A),
            _quiet("LivesaleDown", "1m"),
        ],
    ),
    "publisher_lost_while_viewers_wait": (
        [
            # a: the creator's stream drops at minute 2; b: a show that carries on.
            _series(f"livesale_media_viewers{{{A}}}", "3x10"),
            _series(f"livesale_media_publishers{{{A}}}", "1 1 0x8"),
            _series(f"livesale_media_viewers{{{B}}}", "5x10"),
            _series(f"livesale_media_publishers{{{B}}}", "1x10"),
        ],
        [
            _quiet("LivesaleLiveShowWithoutPublisher", "2m"),
            _fires("LivesaleLiveShowWithoutPublisher", "4m", severity="critical", **ON_A),
        ],
    ),
    "no_viewers_no_publisher_is_not_an_outage": (
        [
            _series(f"livesale_media_viewers{{{A}}}", "0x10"),
            _series(f"livesale_media_publishers{{{A}}}", "0x10"),
        ],
        [_quiet("LivesaleLiveShowWithoutPublisher", "8m")],
    ),
    "viewers_failing": (
        [
            # a: half of the viewer sessions fail; b: one in twenty fails.
            *_counter(STARTED, A, 30, {VIEWER: "0+2x30"}),
            *_counter(VIEWER_FAILURES, A, 30, {f'{VIEWER}, reason="ice"': "0+1x30"}),
            *_counter(STARTED, B, 30, {VIEWER: "0+20x30"}),
            *_counter(VIEWER_FAILURES, B, 30, {f'{VIEWER}, reason="ice"': "0+1x30"}),
        ],
        [
            _quiet("LivesaleViewersFailingToConnect", "3m"),
            _fires(
                "LivesaleViewersFailingToConnect", "20m", severity="warning", instance="a:8080"
            ),
        ],
    ),
    "the_first_viewer_failures_after_start_up": (
        [
            # Five viewers in the server's second minute, and none of them connects.
            *_counter(STARTED, A, 20, {VIEWER: "0 5x19"}),
            *_counter(VIEWER_FAILURES, A, 20, {f'{VIEWER}, reason="timeout"': "0 5x19"}),
        ],
        [
            _quiet("LivesaleViewersFailingToConnect", "3m"),  # for 5 minutes first
            _fires(
                "LivesaleViewersFailingToConnect", "8m", severity="warning", instance="a:8080"
            ),
        ],
    ),
    "few_viewers_failing_is_noise": (
        [
            # Every session fails, but only 3 in 10 minutes: below the minimum count.
            *_counter(STARTED, A, 30, {VIEWER: "0+0.3x30"}),
            *_counter(VIEWER_FAILURES, A, 30, {f'{VIEWER}, reason="timeout"': "0+0.3x30"}),
        ],
        [_quiet("LivesaleViewersFailingToConnect", "20m")],
    ),
    "payments_failing": (
        [*_counter(PAYMENTS, A, 60, {FAILED: "0+1x60", SUCCEEDED: "0+1x60"})],
        [
            _quiet("LivesalePaymentFailureRatioHigh", "5m"),
            _fires("LivesalePaymentFailureRatioHigh", "45m", severity="warning"),
        ],
    ),
    "the_first_payment_failures_after_start_up": (
        # One buyer's five declined cards in the server's second minute, nothing paid yet.
        [*_counter(PAYMENTS, A, 40, {FAILED: "0 5x39"})],
        [
            _quiet("LivesalePaymentFailureRatioHigh", "5m"),  # for 10 minutes first
            _fires("LivesalePaymentFailureRatioHigh", "15m", severity="warning"),
        ],
    ),
    "payments_mostly_fine": (
        [*_counter(PAYMENTS, A, 60, {FAILED: "0+1x60", SUCCEEDED: "0+10x60"})],
        [_quiet("LivesalePaymentFailureRatioHigh", "45m")],
    ),
    "webhooks_refused": (
        [_series(f"livesale_shop_webhooks_refused_total{{{A}}}", "0+1x30")],
        [
            _quiet("LivesaleWebhookSignatureFailures", "3m"),
            _fires("LivesaleWebhookSignatureFailures", "25m", severity="warning"),
        ],
    ),
    "one_refused_webhook_is_noise": (
        [_series(f"livesale_shop_webhooks_refused_total{{{A}}}", "0 0 1x28")],
        [_quiet("LivesaleWebhookSignatureFailures", "25m")],
    ),
    "redis_down": (
        [
            _series(f"livesale_redis_up{{{A}}}", "1 1 0x8"),
            _series(f"livesale_redis_up{{{B}}}", "1x10"),
        ],
        [
            _quiet("LivesaleRedisDown", "2m"),
            _fires("LivesaleRedisDown", "5m", severity="critical", **ON_A),
        ],
    ),
    "redis_calls_failing_while_nobody_probes_readyz": (
        [
            # The gauge is stale (no /readyz probe); the calls tell the truth.
            _series(f"livesale_redis_up{{{A}}}", "1x10"),
            *_counter(REDIS_ERRORS, A, 10, {'kind="connection"': "0 0 0+30x8"}),
            *_counter(REDIS_ERRORS, B, 10),
        ],
        [
            _quiet("LivesaleRedisDown", "2m"),
            _fires("LivesaleRedisDown", "5m", severity="critical", **ON_A),
        ],
    ),
    "a_few_redis_errors_or_error_replies_are_no_outage": (
        [
            _series(f"livesale_redis_up{{{A}}}", "1x10"),
            *_counter(
                REDIS_ERRORS, A, 10, {'kind="timeout"': "0 0 1 2 3x7", 'kind="response"': "0+30x10"}
            ),
        ],
        [_quiet("LivesaleRedisDown", "8m")],
    ),
    "sqlite_failing": (
        [
            _series(f"livesale_sqlite_errors_total{{{A}}}", "0 0 1 2 3 4 5 6 7 8 9"),
            _series(f"livesale_sqlite_errors_total{{{B}}}", "0 0 1x8"),
        ],
        [
            _quiet("LivesaleSQLiteErrors", "3m"),
            _fires("LivesaleSQLiteErrors", "8m", severity="critical", **ON_A),
        ],
    ),
    "recording_stopped": (
        [
            # The first part that stops, three minutes after start-up.
            *_counter(RECORDING_FAILURES, A, 23, {'reason="disk_full"': "0 0 0 1x20"}),
            *_counter(RECORDING_FAILURES, B, 23),
        ],
        [
            _quiet("LivesaleRecordingFailing", "2m"),
            _fires("LivesaleRecordingFailing", "5m", severity="warning", **ON_A),
            _quiet("LivesaleRecordingFailing", "22m"),
        ],
    ),
    "stock_drift_repaired": (
        [
            # The periodic check rewrites one variant's counters ten minutes after start-up.
            *_counter(STOCK_REPAIRS, A, 60, {'reason="drift"': "0x10 1x50"}),
            *_counter(STOCK_REPAIRS, B, 60),
        ],
        [
            _quiet("LivesaleStockDrift", "5m"),
            _fires("LivesaleStockDrift", "15m", severity="warning", **ON_A),
            _quiet("LivesaleStockDrift", "50m"),
        ],
    ),
    "stock_rebuilt_after_a_redis_restart_is_expected": (
        [*_counter(STOCK_REPAIRS, A, 40, {'reason="redis_changed"': "0x10 3x30"})],
        [_quiet("LivesaleStockDrift", at) for at in ("12m", "20m")],
    ),
    "a_series_born_at_its_first_event_hides_it": (
        # Why every label set exists from start-up: a series that appears at 1 has no
        # increase until its second event, and the first stopped part goes unseen.
        [_series(f'{RECORDING_FAILURES}{{{A}, reason="disk_full"}}', "_x3 1x20")],
        [_quiet("LivesaleRecordingFailing", at) for at in ("4m", "5m", "10m")],
    ),
    "healthy": (
        [
            _series(f"up{{{A}}}", "1x40"),
            _series(f"livesale_media_viewers{{{A}}}", "40x40"),
            _series(f"livesale_media_publishers{{{A}}}", "1x40"),
            *_counter(STARTED, A, 40, {VIEWER: "0+2x40"}),
            *_counter(VIEWER_FAILURES, A, 40),
            *_counter(PAYMENTS, A, 40, {SUCCEEDED: "0+5x40"}),
            _series(f"livesale_shop_webhooks_refused_total{{{A}}}", "0x40"),
            _series(f"livesale_redis_up{{{A}}}", "1x40"),
            *_counter(REDIS_ERRORS, A, 40),
            _series(f"livesale_sqlite_errors_total{{{A}}}", "0x40"),
            *_counter(RECORDING_FAILURES, A, 40),
            *_counter(STOCK_REPAIRS, A, 40),
        ],
        [_quiet(alert, "40m") for alert in ALERTS],
    ),
}  # fmt: skip


def _without_annotations(rules: str) -> str:
    """alerts.yml minus every `annotations:` block (the lines indented under it)."""
    kept: list[str] = []
    block_indent: int | None = None
    for line in rules.splitlines():
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if line.strip() == "annotations:" else None
        if block_indent is None:
            kept.append(line)
    return "\n".join(kept) + "\n"


def test_the_copy_without_annotations_keeps_every_rule() -> None:
    rules = ALERTS_YML.read_text(encoding="utf-8")
    stripped = _without_annotations(rules)
    assert "annotations:" in rules
    assert "annotations:" not in stripped
    assert "description:" not in stripped
    for key in ("- alert:", "expr:", "for:", "severity:"):
        assert stripped.count(key) == rules.count(key) == len(ALERTS), key


@pytest.mark.parametrize("case", sorted(CASES))
async def test_alert_rule(case: str, tmp_path: Path) -> None:
    series, alerts = CASES[case]
    rules_file = tmp_path / "alerts.yml"
    rules_file.write_text(_without_annotations(ALERTS_YML.read_text(encoding="utf-8")))
    tests = {
        "rule_files": [str(rules_file)],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": alerts}],
    }
    test_file = tmp_path / "alerts_test.yml"
    test_file.write_text(json.dumps(tests, indent=2), encoding="utf-8")
    status, output = await run(binary("promtool"), "test", "rules", str(test_file))
    assert status == 0, output


def test_every_alert_is_tested() -> None:
    rules = ALERTS_YML.read_text(encoding="utf-8")
    assert sorted(ALERTS) == sorted(
        line.split(":", 1)[1].strip()
        for line in rules.splitlines()
        if line.strip().startswith("- alert:")
    )
    fired = {alert["alertname"] for _series, checks in CASES.values() for alert in checks
             if alert["exp_alerts"]}  # fmt: skip
    assert fired == set(ALERTS)
