"""Every series of a bounded label exists at 0 from start-up, and the code counts no others."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from livesale import metrics
from livesale.metric_series import MEDIA_SERIES, SHARED_SERIES, known_series, values
from livesale.payments.choice import DUMMY, STRIPE
from livesale.roles import Role

PACKAGE = Path(metrics.__file__).resolve().parent
# Where the series are declared and created: not counting code.
DECLARING = {PACKAGE / "metrics.py", PACKAGE / "metric_series.py"}
# Counting code whose label value is no literal the scan can read, and why it is known.
UNREAD_VALUES = {
    # The kind of an aiortc track or a forwarder's stream: "audio" or "video" (MediaKind).
    ("media/broadcast.py", "MEDIA_PACKETS_FORWARDED"): "kind",
    ("media/broadcast.py", "MEDIA_BYTES_FORWARDED"): "kind",
    ("media/broadcast.py", "MEDIA_RELAY_LATENCY"): "kind",
    ("media/broadcast.py", "MEDIA_BURST_FANOUT"): "kind",
    ("media/recording_writer.py", "RECORDING_FRAMES"): "kind",
    ("media/forwarder.py", "MEDIA_FRAMES_SKIPPED"): "kind",
    ("media/forwarder.py", "MEDIA_PACKETS_DROPPED"): "kind",
    ("media/forwarder.py", "MEDIA_BYTES_DROPPED"): "kind",
    # An order's gateway: one of the gateways the settings allow (Gateway).
    ("storage/order_counts.py", "SHOP_PAYMENT_DURATION"): "gateway",
    # Created once for each kind of a literal tuple, at import.
    ("storage/redis_commands.py", "REDIS_ERRORS"): "kind",
}
KNOWN = {metric: labels for metric, labels in known_series(Role.ALL)}
BY_NAME = {
    name: labels
    for name, metric in vars(metrics).items()
    for known, labels in KNOWN.items()
    if metric is known
}


def _exported(exposition: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every (series name, labels) of a /metrics text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _expected_series(role: Role) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """A counter's `_total` or a histogram's `_count` for every known label set."""
    expected = set()
    for metric, labels in known_series(role):
        (described,) = metric.describe()
        suffix = "_total" if described.type == "counter" else "_count"
        names = metric._labelnames
        for combination in itertools.product(*labels):
            labelled = tuple(sorted(zip(names, combination, strict=True)))
            expected.add((described.name + suffix, labelled))
    return expected


async def test_every_known_label_set_is_exported_from_start_up(
    app_client: TestClient[web.Request, web.Application],
) -> None:
    exported = _exported(await (await app_client.get("/metrics")).text())
    missing = _expected_series(Role.ALL) - exported
    assert not missing, f"not exported after start-up: {sorted(missing)[:10]}"
    assert ("livesale_recording_failures_total", (("reason", "disk_full"),)) in exported
    assert (
        "livesale_media_session_failures_total",
        (("reason", "timeout"), ("role", "viewer")),
    ) in exported
    assert (
        "livesale_shop_payment_events_total",
        (("kind", "failed"), ("result", "unchanged")),
    ) in exported


def test_a_shop_process_creates_the_shop_series_and_the_media_process_the_media_ones() -> None:
    assert known_series(Role.SHOP) == list(SHARED_SERIES)
    assert known_series(Role.MEDIA) == known_series(Role.ALL) == [*MEDIA_SERIES, *SHARED_SERIES]


def test_every_bounded_labelled_metric_of_an_alert_is_created() -> None:
    alerted: tuple[MetricWrapperBase, ...] = (
        metrics.RECORDING_FAILURES,
        metrics.MEDIA_SESSION_FAILURES,
        metrics.MEDIA_SESSIONS_STARTED,
        metrics.SHOP_PAYMENT_EVENTS,
        metrics.REDIS_ERRORS,
    )
    for alert_reads in alerted:
        assert alert_reads in KNOWN
    for metric, labels in KNOWN.items():
        assert len(labels) == len(metric._labelnames), metric
        assert all(labels), metric


def test_the_gateways_are_those_the_settings_allow() -> None:
    assert set(values(metrics.Gateway)) == {STRIPE, DUMMY}


def metric_label(name: str, position: int) -> str:
    """The name of a metric's label at `position`."""
    metric = getattr(metrics, name)
    label: str = metric._labelnames[position]
    return label


def _literal_values(node: ast.expr) -> list[str] | None:
    """The strings an argument can be when the source says them; None when it does not."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_values(node.body), _literal_values(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _metric_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def test_the_code_counts_only_label_values_that_were_created() -> None:
    """`X.labels(...)` outside the declarations: literal values must be known, and
    anything else goes through a typed counting function of `livesale.metrics`."""
    unread: set[tuple[str, str]] = set()
    counted = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in DECLARING:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = _metric_name(node.func.value)
            if node.func.attr != "labels" or name not in BY_NAME:
                continue
            counted += 1
            where = str(path.relative_to(PACKAGE))
            for position, argument in enumerate(node.args):
                literal = _literal_values(argument)
                if literal is None:
                    unread.add((where, name))
                    assert metric_label(name, position) == UNREAD_VALUES.get((where, name)), where
                    continue
                known = BY_NAME[name][position]
                assert set(literal) <= set(known), f"{where}: {name} {literal} not in {known}"
    assert counted, "the scan found no counting code"
    untyped = unread - UNREAD_VALUES.keys()
    assert not untyped, f"count these through a typed function of livesale.metrics: {untyped}"


def test_the_docs_name_every_series_and_value_that_exists_from_start_up() -> None:
    page = (PACKAGE.parent / "docs" / "metrics.md").read_text(encoding="utf-8")
    section = page.split("## Series that exist from start-up", 1)[1].split("\n## ", 1)[0]
    for metric, labels in known_series(Role.ALL):
        (described,) = metric.describe()
        suffix = "_total" if described.type == "counter" else ""
        assert f"`{described.name}{suffix}`" in section, described.name
        for value in itertools.chain(*labels):
            assert f"`{value}`" in page, f"{described.name}: {value} is not in docs/metrics.md"
