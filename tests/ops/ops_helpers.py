"""Shared by the operator-kit tests: the files in scripts/ops, promtool, metric names."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Any

OPS_DIR = Path(__file__).resolve().parents[2] / "scripts" / "ops"
PROMETHEUS_YML = OPS_DIR / "prometheus.yml"
ALERTS_YML = OPS_DIR / "alerts.yml"
DASHBOARD_JSON = OPS_DIR / "grafana-dashboard.json"

_LIVESALE_NAME = re.compile(r"\blivesale_[a-z0-9_]+")
# Grafana's variables, replaced the way Grafana would before a query reaches Prometheus.
_GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$instance": ".*"}


def binary(name: str) -> str:
    """The path of a Prometheus binary; missing is a failure, never a skip."""
    path = shutil.which(name)
    assert path is not None, f"{name} is not installed: apt-get install prometheus"
    return path


async def run(*args: str, stdin: bytes = b"") -> tuple[int, str]:
    """Run a command to completion; its exit status and its stdout and stderr together."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(stdin), 60)
    assert process.returncode is not None
    return process.returncode, output.decode()


def exported_names(exposition: str) -> set[str]:
    """Every series name a /metrics text can hold (a histogram's _bucket, _count, _sum too)."""
    names: set[str] = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names.add(name)
            if kind == "histogram":
                names.update(f"{name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def livesale_names(expr: str) -> set[str]:
    """The livesale_ series an expression reads."""
    return set(_LIVESALE_NAME.findall(expr))


def dashboard() -> dict[str, Any]:
    """The Grafana dashboard, parsed."""
    loaded: dict[str, Any] = json.loads(DASHBOARD_JSON.read_text(encoding="utf-8"))
    return loaded


def dashboard_exprs() -> list[str]:
    """Every query of the dashboard's panels."""
    return [
        target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])
    ]


def as_promql(expr: str) -> str:
    """A dashboard query with Grafana's variables filled in, ready for Prometheus."""
    for variable, value in _GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr
