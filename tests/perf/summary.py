"""The README's "by size" table from the benchmark's results in var/perf/<db>-<issues>.json:
server CPU per request (and its ratio to the ceiling measured beside it) for each page and size,
the growth from the smallest to the largest size, and at the largest size the latency at 16
connections, the share of requests each worker served, statements and HTML size.

    python -m tests.perf.summary sqlite [var/perf]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def summary(kind: str, folder: Path) -> str:
    runs = {}
    for path in folder.glob(f"{kind}-*.json"):
        runs[int(path.stem.split("-")[1])] = json.loads(path.read_text())["results"]
    sizes = sorted(runs)
    small, large = sizes[0], sizes[-1]
    by_name = {size: {r["name"]: r for r in runs[size]} for size in sizes}
    last = _size(large)
    head = (
        "| page | "
        + " | ".join(_size(s) for s in sizes)
        + f" | {last} / {_size(small)} | {last}: p50 / p95 / p99 ms at 16 connections"
        + f" | {last}: requests per worker | {last}: statements, KB |"
    )
    lines = [head, "|---|" + "---:|" * (len(sizes) + 4)]
    for result in runs[large]:
        name = result["name"]
        cells = []
        for size in sizes:
            r = by_name[size].get(name)
            cells.append(
                f"{r['cpu_ms']:.1f} ({r['cpu_ratio']:.2f})" if r and r.get("cpu_ms") else "-"
            )
        first = by_name[small].get(name)
        growth = (
            f"{result['cpu_ms'] / first['cpu_ms']:.2f}x"
            if first and first.get("cpu_ms") and result.get("cpu_ms")
            else "-"
        )
        workers = sorted(result.get("workers", {}).values(), reverse=True)
        total = sum(workers) or 1
        share = " / ".join(f"{100 * w / total:.0f}%" for w in workers) or "-"
        latency = " / ".join(
            f"{result[k]:.0f}" for k in ("p50_busy_ms", "p95_busy_ms", "p99_busy_ms")
        )
        size_kb = result["bytes"] / 1024 if result.get("bytes") else 0
        lines.append(
            f"| {name} | {' | '.join(cells)} | {growth} | {latency} | {share} | "
            f"{result.get('queries')}, {size_kb:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("var/perf")
    print(summary(sys.argv[1], folder))
