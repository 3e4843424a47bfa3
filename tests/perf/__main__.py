"""The benchmark: `python -m tests.perf [--db sqlite|postgres|both] [--workers 2] [--duration 5]
[--issues 1000,10000,100000,1000000]`.

1. builds the large data set (`rounds demo --scale`: 60 units, each size of --issues in turn) in
   a temporary database and times it;
2. starts the real server (`rounds serve`, production settings, N workers, with
   ROUNDS_COUNT_QUERIES=1 so every response says how many SQL statements it ran) and the
   ceiling (tests/perf/ceiling.py: the same log rows, plain driver, bare Jinja, bare Litestar);
3. signs in as real people and drives each key page over loopback with a small asyncio client:
   as a one-unit champion, a 10-unit executive partner and a leader who sees every unit:
   a latency phase (one connection, back to back: median and p95 are close to server time) and
   a throughput phase (16 connections at once: p50/p95/p99 of every request there, and how many
   each worker served, from the X-Worker header), alternated 3 times with the ceiling's throughput
   phase; each page's requests per second and server CPU per request (all server processes,
   from /proc) are given as a ratio of the ceiling's - the median of the 3 rounds, because the
   machine's speed drifts;
4. prints a table and writes it to var/perf/<db>-<issues>.json and .md.

Pages that do not exist yet (404) are listed as "not built".
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.perf.http import Client, first_form, fresh_key
from tests.perf.server import PASSWORD, Database, ceiling_server, rounds_server, run_rounds


@dataclass
class Page:
    name: str
    who: str  # e-mail of the person who loads it
    path: str  # may contain {unit}, {issue}, {round}, {meeting}
    target_ms: float | None = None
    htmx: bool = False
    method: str = "GET"
    form_path: str | None = None  # for POSTs: the page whose form is submitted
    size_limit: int | None = None
    setup: str | None = None  # a POST sent once before measuring (e.g. start the round)
    server_env: dict | None = None  # measured on a second server started with these settings
    ratio_target: float | None = (
        None  # at least this fraction of the ceiling (req/s and CPU per request)
    )


KEEP = False  # --keep: leave the temporary database and server logs for inspection
CEILING = Page("ceiling (plain driver + bare Jinja)", "", "/ceiling")
CHAMPION = "scale-champion-01@example.org"  # one unit
EXECUTIVE = "scale-executive@example.org"  # executive partner of 10 units
LEADER = "scale-leader@example.org"  # sees every unit (read-only)

PAGES = [
    Page("home", CHAMPION, "/"),
    Page("log page", CHAMPION, "/issues", 50, ratio_target=0.5),
    # The same page with every row rendered afresh (as when paging through rows nobody has opened
    # yet): the rows' rendered HTML is normally reused, keyed by their values (web/fragments.py).
    Page(
        "log page, fragment cache off",
        CHAMPION,
        "/issues",
        50,
        server_env={"ROUNDS_FRAGMENT_CACHE_SIZE": "0"},
    ),
    Page(
        "log filter (htmx)",
        CHAMPION,
        "/issues?status=open&unit={unit}&sort=priority",
        50,
        htmx=True,
        size_limit=10_000,
    ),
    Page(
        "log search (htmx)",
        CHAMPION,
        "/issues?q=pump&unit={unit}",
        50,
        htmx=True,
        size_limit=10_000,
    ),
    Page("issue page", CHAMPION, "/issues/{issue}", 50),
    # everyone else (issue 16): the executive partner of 10 units and a leader who sees them all
    Page("executive: home", EXECUTIVE, "/"),
    Page("executive: log page", EXECUTIVE, "/issues", 50, ratio_target=0.5),
    Page("executive: log search (htmx)", EXECUTIVE, "/issues?q=pump", 50, htmx=True),
    Page("executive: issue page", EXECUTIVE, "/issues/{issue}", 50),
    Page("leader: home", LEADER, "/"),
    Page("leader: log page", LEADER, "/issues", 50, ratio_target=0.5),
    Page("leader: log search (htmx)", LEADER, "/issues?q=pump", 50, htmx=True),
    Page("leader: issue page", LEADER, "/issues/{issue}", 50),
    Page(
        "quick capture",
        CHAMPION,
        "/units/{unit}/issues/new",
        None,
        method="POST",
        form_path="/units/{unit}/issues/new",
    ),
    Page("briefing", EXECUTIVE, "/rounds/{round}/briefing", 100),
    Page("round capture", EXECUTIVE, "/rounds/{round}/run", 50),
    Page(
        "round capture: add a concern (htmx)",
        EXECUTIVE,
        "/rounds/{round}/run/capture",
        None,
        htmx=True,
        method="POST",
        form_path="/rounds/{round}/run",
        setup="/rounds/{round}/start",
    ),
    Page("my follow-ups", EXECUTIVE, "/barriers/mine", 50),
    Page("meeting agenda", CHAMPION, "/meetings/{meeting}", 100),
]


@dataclass
class Result:
    name: str
    path: str
    status: str = "ok"
    median_ms: float = 0
    p95_ms: float = 0
    # every request of the throughput phase (`concurrency` connections at once)
    p50_busy_ms: float = 0
    p95_busy_ms: float = 0
    p99_busy_ms: float = 0
    workers: dict = field(default_factory=dict)  # worker pid -> requests served (throughput phase)
    rps: float = 0
    ratio: float | None = None  # req/s as a fraction of the ceiling's req/s, measured beside it
    cpu_ms: float = 0  # server CPU (all workers) per request in the throughput phase
    cpu_ratio: float | None = None  # the ceiling's CPU per request / this page's: capacity ratio
    errors: int = 0
    requests: int = 0
    bytes: int = 0
    gzip_bytes: int = 0
    queries: int | None = None
    target_ms: float | None = None
    ratio_target: float | None = None
    notes: list[str] = field(default_factory=list)


def pick_ids(db: Database) -> dict:
    unit = db.query(
        "SELECT m.unit AS id FROM membership m JOIN person p ON p.id = m.person WHERE p.email = ? "
        "AND m.unit_role = 'champion' ORDER BY m.unit LIMIT 1",
        CHAMPION,
    )[0]["id"]
    issues = [
        r["id"]
        for r in db.query(
            "SELECT id FROM safety_issue WHERE unit = ? ORDER BY id DESC LIMIT 200", unit
        )
    ]
    rnd = db.query(
        "SELECT id FROM safety_round WHERE unit = ? AND status IN ('briefed', 'scheduled') ORDER BY scheduled_at LIMIT 1",
        unit,
    )
    meeting = db.query(
        "SELECT id FROM meeting WHERE unit = ? AND status = 'scheduled' ORDER BY scheduled_at LIMIT 1",
        unit,
    )
    return {
        "unit": unit,
        "issues": issues,
        "round": rnd[0]["id"] if rnd else 0,
        "meeting": meeting[0]["id"] if meeting else 0,
    }


def fill(path: str, ids: dict, n: int) -> str:
    return path.format(
        unit=ids["unit"],
        issue=ids["issues"][n % len(ids["issues"])],
        round=ids["round"],
        meeting=ids["meeting"],
    )


class Driver:
    """Signed-in clients per person, and the request each page sends."""

    def __init__(self, port: int, ids: dict):
        self.port, self.ids = port, ids
        self.templates: dict[str, dict] = {}

    async def client(self, who: str | None) -> Client:
        client = Client("127.0.0.1", self.port)
        if who:
            await client.sign_in(who, PASSWORD)
        return client

    async def prepare(self, page: Page, client: Client) -> str | None:
        """Probe the page; returns why it cannot be measured, or None."""
        if page.setup:
            await client.post_form(
                fill(page.setup, self.ids, 0),
                {"_csrf_token": client.csrf_token, "confirm": "yes"},  # a round not due today
            )
        if page.method == "POST":
            reply = await client.get(fill(page.form_path, self.ids, 0))
            if reply.status != 200:
                return f"not built (GET form: {reply.status})"
            action = fill(page.path, self.ids, 0)
            form = first_form(reply.text, action=action) or first_form(reply.text, method="post")
            if form is None:
                return "no form found"
            self.templates[page.name] = form.values
            return None
        reply = await client.get(fill(page.path, self.ids, 0), htmx=page.htmx)
        if reply.status in (404, 405):
            return f"not built ({reply.status})"
        if reply.status != 200:
            return f"HTTP {reply.status}"
        return None

    async def once(self, page: Page, client: Client, n: int):
        if page.method == "POST":
            data = dict(self.templates[page.name])
            data.update(
                {
                    "description": "Benchmark: suction tubing is missing at the bedside on nights",
                    "idempotency_key": fresh_key(),
                    "_csrf_token": client.csrf_token,
                }
            )
            reply = await client.post_form(fill(page.path, self.ids, n), data, htmx=page.htmx)
            if page.htmx:  # the fragment comes back; a refused form shows its errors in it
                ok = reply.status in (200, 201) and "field--invalid" not in reply.text
            else:
                ok = reply.status == 303
        else:
            reply = await client.get(fill(page.path, self.ids, n), htmx=page.htmx)
            ok = reply.status == 200
        return ok, reply


async def measure(
    driver: Driver,
    page: Page,
    *,
    duration: float,
    concurrency: int,
    server,
    ceiling_port: int | None = None,
    latency: bool = True,
) -> Result:
    result = Result(page.name, page.path, target_ms=page.target_ms, ratio_target=page.ratio_target)
    if ceiling_port:
        clients = [Client("127.0.0.1", ceiling_port) for _ in range(concurrency)]
    else:
        clients = [await driver.client(page.who) for _ in range(concurrency)]
    try:
        if not ceiling_port:
            problem = await driver.prepare(page, clients[0])
            if problem:
                result.status = problem
                return result

        async def one(client: Client, n: int):
            if ceiling_port:
                reply = await client.get("/ceiling")
                return reply.status == 200, reply
            return await driver.once(page, client, n)

        # warm up every connection
        for i, c in enumerate(clients):
            for k in range(5):
                await one(c, i * 5 + k)
        # latency: one connection, back to back
        latencies, counter = [], 0
        sample = None
        end = time.perf_counter() + (duration if latency else 0)
        while time.perf_counter() < end and len(latencies) < 2000:
            ok, reply = await one(clients[0], counter)
            counter += 1
            latencies.append(reply.seconds)
            if not ok:
                result.errors += 1
                if len(result.notes) < 2:
                    result.notes.append(f"HTTP {reply.status}: {reply.text[:200]!r}")
            sample = reply
        # throughput: every connection at once
        done = 0
        busy: list[float] = []
        per_worker: dict[str, int] = {}
        end = time.perf_counter() + duration

        async def worker(client: Client, offset: int):
            nonlocal done
            n = offset * 100_000
            while time.perf_counter() < end:
                ok, reply = await one(client, n)
                n += 1
                done += 1
                busy.append(reply.seconds)
                pid = reply.headers.get("x-worker", "?")
                per_worker[pid] = per_worker.get(pid, 0) + 1
                if not ok:
                    result.errors += 1
                    if len(result.notes) < 2:
                        result.notes.append(f"HTTP {reply.status}: {reply.text[:300]!r}")

        started, cpu_before = time.perf_counter(), server.cpu_seconds()
        await asyncio.gather(*(worker(c, i) for i, c in enumerate(clients)))
        elapsed = time.perf_counter() - started
        result.cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / done if done else 0
        result.requests = len(latencies) + done
        result.rps = done / elapsed
        busy.sort()
        if busy:
            result.p50_busy_ms = busy[len(busy) // 2] * 1000
            result.p95_busy_ms = busy[max(0, int(len(busy) * 0.95) - 1)] * 1000
            result.p99_busy_ms = busy[max(0, int(len(busy) * 0.99) - 1)] * 1000
        result.workers = dict(sorted(per_worker.items()))
        latencies.sort()
        if latencies:
            result.median_ms = statistics.median(latencies) * 1000
            result.p95_ms = (
                latencies[int(len(latencies) * 0.95) - 1] * 1000
                if len(latencies) > 1
                else latencies[0] * 1000
            )
        if sample is not None:
            result.bytes = len(sample.body)
            result.gzip_bytes = len(gzip.compress(sample.body, 6))
            if "x-query-count" in sample.headers:
                result.queries = int(sample.headers["x-query-count"])
        return result
    finally:
        for c in clients:
            await c.close()


def compare_with_ceiling(
    r: Result,
    page: Page,
    driver: Driver,
    server,
    ceiling,
    *,
    duration: float,
    concurrency: int,
    reps: int,
) -> None:
    """The machine is shared and its speed drifts by tens of percent within minutes: alternate the
    page's and the ceiling's throughput phases `reps` times and keep the median of each ratio."""
    rps, cpu, ratios, cpu_ratios = [r.rps], [r.cpu_ms], [], []
    for rep in range(reps):
        if rep:
            again = asyncio.run(
                measure(
                    driver,
                    page,
                    duration=duration,
                    concurrency=concurrency,
                    server=server,
                    latency=False,
                )
            )
            r.errors += again.errors
            r.requests += again.requests
            rps.append(again.rps)
            cpu.append(again.cpu_ms)
        beside = asyncio.run(
            measure(
                driver,
                CEILING,
                duration=duration,
                concurrency=concurrency,
                server=ceiling,
                ceiling_port=ceiling.port,
                latency=False,
            )
        )
        ratios.append(rps[-1] / beside.rps if beside.rps else 0)
        cpu_ratios.append(beside.cpu_ms / cpu[-1] if cpu[-1] else 0)
        r.notes.append(
            f"round {rep + 1}: {rps[-1]:.0f} req/s, {cpu[-1]:.2f} ms CPU; ceiling beside it {beside.rps:.0f} req/s, "
            f"{beside.cpu_ms:.2f} ms CPU"
        )
    r.rps, r.cpu_ms = statistics.median(rps), statistics.median(cpu)
    r.ratio, r.cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)


def verdict(r: Result) -> str:
    if r.status != "ok":
        return ""
    bits = []
    if r.target_ms is not None:
        bits.append("meets" if r.median_ms < r.target_ms else "MISSES")
    return " ".join(bits)


def ratio_verdict(r: Result) -> str:
    if r.ratio_target is None or r.ratio is None or r.cpu_ratio is None:
        return ""
    met = min(r.ratio, r.cpu_ratio) >= r.ratio_target
    return f" (target {r.ratio_target}: {'met' if met else 'MISSED'})"


def table(results: list[Result], header: str) -> str:
    lines = [
        header,
        "",
        "| page | median ms | p95 ms | target ms | req/s | x ceiling req/s | server CPU ms/req | x ceiling CPU "
        "| p50 / p95 / p99 ms busy | requests per worker | errors | KB (gzip) | queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.status != "ok":
            lines.append(f"| {r.name} | {r.status} | | | | | | | | | | | |")
            continue
        busy = f"{r.p50_busy_ms:.1f} / {r.p95_busy_ms:.1f} / {r.p99_busy_ms:.1f}"
        total = sum(r.workers.values()) or 1
        spread = " / ".join(f"{n} ({100 * n / total:.0f}%)" for n in r.workers.values())
        target = f"{r.target_ms:.0f} ({verdict(r)})" if r.target_ms else ""
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        cpu_ratio = f"{r.cpu_ratio:.2f}{ratio_verdict(r)}" if r.cpu_ratio is not None else ""
        lines.append(
            f"| {r.name} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {target} | {r.rps:.0f} | {ratio} | {r.cpu_ms:.2f} | "
            f"{cpu_ratio} | {busy} | {spread} | {r.errors} | "
            f"{r.bytes / 1024:.1f} ({r.gzip_bytes / 1024:.1f}) | {'' if r.queries is None else r.queries} |"
        )
    return "\n".join(lines)


def run(
    kind: str,
    workers: int,
    duration: float,
    concurrency: int,
    units: int,
    issues: int,
    only: list[str] | None,
    reps: int = 3,
) -> list[Result]:
    workdir = Path(tempfile.mkdtemp(prefix=f"rounds-perf-{kind}-"))
    db = Database(kind, workdir)
    db.create()
    try:
        print(f"\n== {kind}: building {units} units and {issues:,} issues ...", flush=True)
        started = time.perf_counter()
        built = run_rounds(
            db,
            workdir,
            *("demo", "--scale", "--units", str(units), "--issues", str(issues)),
            # 146 s for 1M on a quiet machine, over 300 s with CI running beside it
            timeout=max(300, issues / 1000),
        )
        if built.returncode != 0:
            raise RuntimeError(built.stdout + built.stderr)
        build_seconds = time.perf_counter() - started
        print(
            built.stdout.strip().splitlines()[0] if built.stdout.strip() else "",
            f"(command: {build_seconds:.1f} s)",
            flush=True,
        )
        ids = pick_ids(db)
        app = rounds_server(db, workdir, workers=workers, ROUNDS_COUNT_QUERIES="1").start()
        ceiling = ceiling_server(db, workdir, workers=workers, unit=ids["unit"]).start()
        results: list[Result] = []
        try:
            driver = Driver(app.port, ids)
            ceiling_result = asyncio.run(
                measure(
                    driver,
                    CEILING,
                    duration=duration,
                    concurrency=concurrency,
                    server=ceiling,
                    ceiling_port=ceiling.port,
                )
            )
            ceiling_result.ratio = ceiling_result.cpu_ratio = 1.0
            for page in PAGES:
                if only and page.name not in only:
                    continue
                print(f"   {page.name} ...", end=" ", flush=True)
                for server in (app, ceiling):
                    if server.proc.poll() is not None:
                        raise RuntimeError(
                            f"a server exited with {server.proc.returncode}:\n{server.tail()}"
                        )
                other = None
                if page.server_env:
                    other = rounds_server(
                        db, workdir, workers=workers, ROUNDS_COUNT_QUERIES="1", **page.server_env
                    ).start()
                target, target_driver = (other, Driver(other.port, ids)) if other else (app, driver)
                try:
                    r = asyncio.run(
                        measure(
                            target_driver,
                            page,
                            duration=duration,
                            concurrency=concurrency,
                            server=target,
                        )
                    )
                    if kind != "sqlite":
                        r.ratio_target = None  # the ratio target is set for SQLite (issue 7)
                    if r.status == "ok":
                        compare_with_ceiling(
                            r,
                            page,
                            target_driver,
                            target,
                            ceiling,
                            duration=duration,
                            concurrency=concurrency,
                            reps=reps,
                        )
                finally:
                    if other:
                        other.stop()
                print(
                    r.status
                    if r.status != "ok"
                    else f"{r.median_ms:.1f} ms median, {r.rps:.0f} req/s, {r.cpu_ms:.2f} ms CPU/request",
                    flush=True,
                )
                for note in r.notes:
                    print("     ", note[:300])
                results.append(r)
            results.append(ceiling_result)
        finally:
            app.stop()
            ceiling.stop()
        header = (
            f"### {kind} - {workers} workers, {units} units, {issues:,} issues, {concurrency} connections for the "
            f"throughput phase, {duration:.0f} s per phase (scale data built in {build_seconds:.1f} s)"
        )
        text = table(results, header)
        print("\n" + text + "\n")
        out = Path("var/perf")
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{kind}-{issues}.md").write_text(text + "\n")
        (out / f"{kind}-{issues}.json").write_text(
            json.dumps(
                {
                    "build_seconds": build_seconds,
                    "workers": workers,
                    "results": [asdict(r) for r in results],
                },
                indent=1,
            )
        )
        return results
    finally:
        db.drop()
        if not KEEP:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per phase per page")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="connections in the throughput phase (p50/p95/p99 'busy' are measured there)",
    )
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument(
        "--issues",
        default="1000,10000,100000,1000000",
        help="comma-separated sizes: each is built and measured in turn",
    )
    parser.add_argument("--page", action="append", help="measure only this page (repeatable)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="page/ceiling throughput phases alternated per page (median kept)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary database and server logs"
    )
    args = parser.parse_args(argv)
    global KEEP
    KEEP = args.keep
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    failed = False
    sizes = [int(n.replace("_", "")) for n in str(args.issues).split(",") if n.strip()]
    for kind in kinds:
        for issues in sizes:
            results = run(
                kind,
                args.workers,
                args.duration,
                args.concurrency,
                args.units,
                issues,
                args.page,
                args.rounds,
            )
            failed |= any(r.errors for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
