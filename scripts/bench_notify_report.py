"""The go-live benchmark's printout: its two phases side by side."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench_notify import Phase


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def print_phases(phases: list[Phase], args: argparse.Namespace, tail: dict[str, Any]) -> None:
    """The two phases side by side."""
    rows: list[tuple[str, list[str]]] = [
        ("window", [f"{p.video.seconds:.1f} s" for p in phases]),
        ("video frames delivered", [f"{p.video.delivered_percent:.2f}%" for p in phases]),
        (
            "frame latency p50 / p99 (server)",
            [f"{p.video.frame_p50_ms:.1f} / {p.video.frame_p99_ms:.1f} ms" for p in phases],
        ),
        (
            "frame e2e p50 / p99 (viewers)",
            [f"{p.video.e2e_p50_ms:.1f} / {p.video.e2e_p99_ms:.1f} ms" for p in phases],
        ),
        (
            f"Buy now p50 / p99 ({args.rate:g}/s)",
            [f"{p.sale.p50_ms:.1f} / {p.sale.p99_ms:.1f} ms" for p in phases],
        ),
        ("Buy now p99 while the fan-out ran", [_ms(p.sale_p99_during_ms) for p in phases]),
        (
            "buys: held / answered / oversold",
            [f"{p.sale.sold} / {p.sale.buyers} / {p.sale.oversold}" for p in phases],
        ),
        ("server CPU (all its processes)", [f"{p.server_cpu_seconds:.1f} s" for p in phases]),
        ("load-side CPU (every other process)", [f"{p.load_cpu_seconds:.1f} s" for p in phases]),
        (
            "other processes on the server cores",
            [f"{p.others_cpu_seconds:.1f} s" for p in phases],
        ),
        ("machine load average (1 min)", [f"{p.load_average:.1f}" for p in phases]),
    ]
    for p in phases:
        if p.fan_out is None:
            continue
        f = p.fan_out
        rows += [
            ("WHIP request -> publisher connected", ["-", f"{f.whip_s:.2f} s"]),
            (f"all {args.followers} notifications stored", ["-", _s(f.stored_s)]),
            (f"all {args.streams} open streams got theirs", ["-", _s(f.streamed_s)]),
        ]
        if args.push:
            rows.append((f"all {args.push} pushes reached the stand-in", ["-", _s(f.pushed_s)]))
        if f.pushed_s:
            rows.append(
                ("push rate (from the WHIP request)", ["-", f"{args.push / f.pushed_s:.0f}/s"])
            )
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'':<{width}}{phases[0].name:>18}{phases[-1].name:>18}")
    for label, values in rows:
        print(f"{label:<{width}}" + "".join(f"{v:>18}" for v in values))
    for key, value in tail.items():
        print(f"{key}: {value}")
    for p in phases:
        answers = ", ".join(f"{n} x {what}" for what, n in p.sale.answers.items())
        print(f"Buy now answers, {p.name}: {answers}")
    for p in phases:
        slices = ", ".join(f"{at:g}s {p99:.0f}" for at, p99 in p.timeline)
        print(f"Buy now p99 (ms) per {args.slice:g} s from the go, {p.name}: {slices}")


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f} ms"
