"""The go-live benchmark's printout: its phases side by side."""

from __future__ import annotations

import argparse
import statistics
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench_notify import Phase


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def print_phases(phases: list[Phase], args: argparse.Namespace, tail: dict[str, Any]) -> None:
    """The phases side by side."""
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
    rows += _fan_out_rows(phases, args)
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'':<{width}}" + "".join(f"{p.name:>18}" for p in phases))
    for label, values in rows:
        print(f"{label:<{width}}" + "".join(f"{v:>18}" for v in values))
    if args.rounds > 1:
        _medians(phases)
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


def _fan_out_rows(phases: list[Phase], args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """The go-lives' figures, `-` in the baselines' columns."""

    def each(show: Any) -> list[str]:
        return ["-" if p.fan_out is None else show(p.fan_out) for p in phases]

    rows = [
        ("WHIP request -> publisher connected", each(lambda f: f"{f.whip_s:.2f} s")),
        (f"all {args.followers} notifications stored", each(lambda f: _s(f.stored_s))),
        (f"all {args.streams} open streams got theirs", each(lambda f: _s(f.streamed_s))),
    ]
    if args.push:
        rows += [
            (f"all {args.push} pushes reached the stand-in", each(lambda f: _s(f.pushed_s))),
            (
                "push rate (from the WHIP request)",
                each(lambda f: f"{args.push / f.pushed_s:.0f}/s" if f.pushed_s else "-"),
            ),
        ]
    return rows


def _medians(phases: list[Phase]) -> None:
    """Each kind of phase's median over the rounds."""
    for kind in ("baseline", "go-live"):
        mine = [p for p in phases if p.name.startswith(kind)]
        buy = statistics.median(p.sale.p99_ms for p in mine)
        frame = statistics.median(p.video.frame_p99_ms for p in mine)
        others = statistics.median(p.others_cpu_seconds for p in mine)
        print(
            f"median of {len(mine)} {kind} phases: Buy now p99 {buy:.0f} ms, "
            f"frame p99 {frame:.1f} ms, other processes on the server cores {others:.1f} s"
        )
