"""Load and durability: `python -m tests.reliability.run [--db sqlite|postgres|both] [--ci]`.

Against the real server (`rounds serve`, production settings, 2 workers) on a throw-away
database, for each database:

1. load      - 50 signed-in clients capture safety issues for 30 s (quick capture, POST
               /units/{id}/issues/new): 0 errors, every acknowledged issue is in the database
               exactly once, and repeated idempotency keys (double taps) made no second row;
2. kill -9   - a write burst, the whole server process group SIGKILLed in the middle of it,
               restarted: every acknowledged write is present and `rounds audit verify` passes;
3. pg drop   - (PostgreSQL) every app connection terminated with pg_terminate_backend during
               load: the app serves again within 5 s, without a restart;
4. conflicts - the same issue edited by two people at once, many times: exactly one save wins
               each time, the other is shown both values to choose from, no update is lost.

Prints a summary and exits non-zero on any failure. `--ci` runs both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.perf.http import Client, first_form, fresh_key
from tests.perf.server import PASSWORD, Database, rounds_server, run_rounds

UNITS = 6
CLIENTS = 50


@dataclass
class Check:
    name: str
    ok: bool = True
    details: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def fail(self, message: str) -> None:
        self.ok = False
        if len(self.details) < 8:
            self.details.append(message)


@dataclass
class World:
    db: Database
    workdir: Path
    units: list[int]  # unit ids
    champions: list[str]  # e-mail of each unit's champion (same order as units)


def report_number() -> str:
    """A unique tag for a concern's text, in letters only: random hex once read as a date of birth
    ("44dec89a") and the identifier screen rightly asked the person to fix it (stop 22's CI)."""
    return "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(10))


def build(kind: str) -> World:
    workdir = Path(tempfile.mkdtemp(prefix=f"rounds-reliability-{kind}-"))
    db = Database(kind, workdir)
    db.create()
    done = run_rounds(db, workdir, "demo", "--scale", "--units", str(UNITS), "--issues", "3000")
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    rows = db.query(
        "SELECT m.unit AS unit, p.email AS email FROM membership m JOIN person p ON p.id = m.person "
        "WHERE m.unit_role = 'champion' AND p.email LIKE 'scale-champion-%' ORDER BY m.unit"
    )
    return World(db, workdir, [r["unit"] for r in rows], [r["email"] for r in rows])


# --- capturing ----------------------------------------------------------------------------------

ADDED = re.compile(r"added=(\d+)")


class Capturer:
    """One signed-in person on one unit capturing issues; remembers what the server acknowledged."""

    def __init__(self, port: int, unit: int, email: str, tag: str):
        self.client = Client("127.0.0.1", port, timeout=30)
        self.unit, self.email, self.tag = unit, email, tag
        self.form: dict = {}
        self.acknowledged: dict[str, int] = {}  # idempotency key -> issue id
        self.descriptions: dict[str, str] = {}
        self.errors: list[str] = []
        self.sent = 0

    async def start(self) -> None:
        await self.client.sign_in(self.email, PASSWORD)
        page = await self.client.get(f"/units/{self.unit}/issues/new")
        if page.status != 200:
            raise RuntimeError(f"capture page: HTTP {page.status}")
        form = first_form(page.text, method="post")
        if form is None:
            raise RuntimeError("no capture form")
        self.form = form.values

    async def capture(self, n: int, *, key: str | None = None) -> int | None:
        key = key or fresh_key()
        description = f"Reliability {self.tag}: the suction tubing is missing at the bedside, report {report_number()}"
        data = {
            **self.form,
            "description": description,
            "idempotency_key": key,
            "_csrf_token": self.client.csrf_token,
        }
        self.sent += 1
        reply = await self.client.post_form(f"/units/{self.unit}/issues/new", data)
        match = ADDED.search(reply.headers.get("location", ""))
        if reply.status != 303 or not match:
            # the form's own messages say why a capture was not taken (seen once on PostgreSQL
            # under load, 1 in 9,000, unexplained: this makes the next occurrence readable)
            said = re.findall(r'class="field__error"[^>]*>(.*?)</', reply.text, re.S)
            said += re.findall(r'class="alert alert--error"[^>]*>(.*?)</', reply.text, re.S)
            reason = " | ".join(html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in said)
            self.errors.append(
                f"HTTP {reply.status}: {reason or reply.text[:160]!r} (key {key}, {description!r})"
            )
            return None
        issue_id = int(match.group(1))
        if key in self.acknowledged and self.acknowledged[key] != issue_id:
            self.errors.append(
                f"double tap made a second issue: {self.acknowledged[key]} and {issue_id}"
            )
        self.acknowledged[key] = issue_id
        self.descriptions.setdefault(key, description)
        return issue_id

    async def run_for(self, seconds: float, *, double_tap_every: int = 10) -> None:
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            n += 1
            try:
                key = fresh_key()
                await self.capture(n, key=key)
                if double_tap_every and n % double_tap_every == 0:
                    await self.capture(n, key=key)  # the same form submitted twice
            except Exception as exc:  # connection refused/reset: recorded, never hidden
                self.errors.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.05)


def verify_present(world: World, capturers: list[Capturer], check: Check) -> None:
    acknowledged = {k: v for c in capturers for k, v in c.acknowledged.items()}
    if not acknowledged:
        check.fail("nothing was acknowledged")
        return
    ids = sorted(set(acknowledged.values()))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in world.db.query(
            f"SELECT id, idempotency_key FROM safety_issue WHERE id IN ({marks})", *chunk
        ):
            found[row["id"]] = row["idempotency_key"]
    missing = [i for i in ids if i not in found]
    if missing:
        check.fail(f"{len(missing)} acknowledged issues missing, e.g. {missing[:5]}")
    keys = list(acknowledged)
    duplicates = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        duplicates += len(
            world.db.query(
                f"SELECT idempotency_key, COUNT(*) AS n FROM safety_issue WHERE idempotency_key IN ({marks}) "
                "GROUP BY idempotency_key HAVING COUNT(*) > 1",
                *chunk,
            )
        )
    if duplicates:
        check.fail(f"{duplicates} idempotency keys have more than one issue")
    check.figures.update(acknowledged=len(acknowledged), present=len(ids) - len(missing))


async def start_capturers(port: int, world: World, n: int, tag: str) -> list[Capturer]:
    capturers = [
        Capturer(
            port,
            world.units[i % len(world.units)],
            world.champions[i % len(world.champions)],
            f"{tag}-{i}",
        )
        for i in range(n)
    ]
    for start in range(0, n, 10):  # sign in ten at a time (argon2 is deliberately slow)
        await asyncio.gather(*(c.start() for c in capturers[start : start + 10]))
    return capturers


async def close_all(capturers: list[Capturer]) -> None:
    for c in capturers:
        await c.client.close()


# --- 1. load ----------------------------------------------------------------------------------------


def check_load(world: World, seconds: float) -> Check:
    check = Check(f"load: {CLIENTS} clients capturing for {seconds:.0f} s")
    server = rounds_server(world.db, world.workdir, workers=2).start()
    try:

        async def go():
            capturers = await start_capturers(server.port, world, CLIENTS, "load")
            started = time.perf_counter()
            await asyncio.gather(*(c.run_for(seconds) for c in capturers))
            elapsed = time.perf_counter() - started
            await close_all(capturers)
            return capturers, elapsed

        capturers, elapsed = asyncio.run(go())
        errors = [e for c in capturers for e in c.errors]
        sent = sum(c.sent for c in capturers)
        check.figures.update(requests=sent, errors=len(errors), per_second=round(sent / elapsed, 1))
        if errors:
            check.fail(f"{len(errors)} errors, e.g. {errors[:3]}")
        verify_present(world, capturers, check)
    finally:
        server.stop()
    return check


# --- 2. kill -9 in the middle of a write burst -------------------------------------------------------


def check_kill(world: World) -> Check:
    check = Check("kill -9 during a write burst, restart")
    server = rounds_server(world.db, world.workdir, workers=2).start()
    try:

        async def go():
            capturers = await start_capturers(server.port, world, 20, "kill")
            tasks = [asyncio.create_task(c.run_for(6, double_tap_every=0)) for c in capturers]
            await asyncio.sleep(2.5)
            before = sum(len(c.acknowledged) for c in capturers)
            server.kill()  # SIGKILL the supervisor and every worker, mid-request
            await asyncio.gather(*tasks)
            await close_all(capturers)
            return capturers, before

        capturers, before = asyncio.run(go())
        check.figures["acknowledged_before_kill"] = before
        if before == 0:
            check.fail("no writes were acknowledged before the kill")
        server.start()  # restart on the same database
        verify_present(world, capturers, check)
        audit = run_rounds(world.db, world.workdir, "audit", "verify")
        check.figures["audit"] = audit.stdout.strip() or audit.stderr.strip()
        if audit.returncode != 0:
            check.fail(f"audit verify failed: {audit.stdout} {audit.stderr}")

        # and the restarted server takes writes again
        async def after():
            c = (await start_capturers(server.port, world, 1, "after-kill"))[0]
            ok = await c.capture(0)
            await c.client.close()
            return ok

        if not asyncio.run(after()):
            check.fail("the restarted server did not accept a capture")
    finally:
        server.stop()
    return check


# --- 3. PostgreSQL connections terminated during load ------------------------------------------------


def check_pg_terminate(world: World) -> Check:
    check = Check("PostgreSQL connections terminated during load")
    server = rounds_server(world.db, world.workdir, workers=2).start()
    try:

        async def go():
            import asyncpg

            capturers = await start_capturers(server.port, world, 10, "pgkill")
            probe = (await start_capturers(server.port, world, 1, "probe"))[0]
            tasks = [asyncio.create_task(c.run_for(9, double_tap_every=0)) for c in capturers]
            await asyncio.sleep(3)
            admin = await asyncpg.connect(world.db.url)
            killed = await admin.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                world.db.name,
            )
            await admin.close()
            cut = time.perf_counter()
            # how long until the app answers a signed-in page again (the probe has its own connection)?
            recovered = None
            while time.perf_counter() - cut < 15:
                try:
                    page = await probe.client.get(f"/units/{probe.unit}/issues/new")
                    health = await Client("127.0.0.1", server.port).get("/healthz")
                    if page.status == 200 and health.status == 200:
                        recovered = time.perf_counter() - cut
                        break
                except Exception:
                    pass
                await asyncio.sleep(0.1)
            await asyncio.gather(*tasks)
            await close_all([*capturers, probe])
            return capturers, killed, recovered

        capturers, killed, recovered = asyncio.run(go())
        errors = [e for c in capturers for e in c.errors]
        check.figures.update(
            connections_terminated=killed,
            recovered_after_s=None if recovered is None else round(recovered, 2),
            errors_during_cut=len(errors),
        )
        if not killed:
            check.fail("no connections were terminated (the app held none?)")
        if recovered is None or recovered > 5:
            check.fail(f"the app did not serve again within 5 s (recovered: {recovered})")
        # after the cut, writes work and everything acknowledged is there
        verify_present(world, capturers, check)
        if server.proc is None or server.proc.poll() is not None:
            check.fail("the server process died")
    finally:
        server.stop()
    return check


# --- 4. two people edit the same issue at once -------------------------------------------------------


def check_conflicts(world: World, rounds_: int = 20) -> Check:
    check = Check(f"two people edit the same issue at once ({rounds_} times)")
    server = rounds_server(world.db, world.workdir, workers=2).start()
    try:
        unit, email = world.units[0], world.champions[0]
        issues = [
            r["id"]
            for r in world.db.query(
                "SELECT id FROM safety_issue WHERE unit = ? AND status = 'new' ORDER BY id DESC LIMIT ?",
                unit,
                rounds_,
            )
        ]

        async def go():
            a, b = Client("127.0.0.1", server.port), Client("127.0.0.1", server.port)
            await a.sign_in(email, PASSWORD)
            await b.sign_in(email, PASSWORD)
            wins = refused = 0
            for issue_id in issues:
                forms = []
                for who in (a, b):
                    page = await who.get(f"/issues/{issue_id}")
                    form = first_form(page.text, action=f"/issues/{issue_id}/edit")
                    if form is None:
                        check.fail(f"no edit form on /issues/{issue_id} (HTTP {page.status})")
                        return 0, 0
                    forms.append(form.values)
                plans = [f"Plan from A {fresh_key()[:6]}", f"Plan from B {fresh_key()[:6]}"]
                replies = await asyncio.gather(
                    *(
                        who.post_form(
                            f"/issues/{issue_id}/edit",
                            {**values, "action_plan": plan, "_csrf_token": who.csrf_token},
                        )
                        for who, values, plan in zip((a, b), forms, plans, strict=True)
                    )
                )
                saved = [i for i, r in enumerate(replies) if r.status == 303]
                others = [i for i, r in enumerate(replies) if r.status != 303]
                if len(saved) != 1:
                    check.fail(
                        f"issue {issue_id}: {len(saved)} saves succeeded "
                        f"({[r.status for r in replies]}) - expected exactly one"
                    )
                    continue
                loser = replies[others[0]]
                # Both changed the action plan: the second is not saved and is shown both
                # values to choose between (issue #11's merge), never a silent overwrite.
                text = html.unescape(loser.text)
                if "changed the same details" not in text:
                    check.fail(
                        f"issue {issue_id}: the refused save did not show the conflict message (HTTP {loser.status})"
                    )
                elif plans[saved[0]] not in text or plans[others[0]] not in text:
                    check.fail(f"issue {issue_id}: the conflict did not show both action plans")
                row = (
                    await asyncio.to_thread(
                        world.db.query,
                        "SELECT action_plan, version FROM safety_issue WHERE id = ?",
                        issue_id,
                    )
                )[0]
                if row["action_plan"] != plans[saved[0]]:
                    check.fail(
                        f"issue {issue_id}: stored {row['action_plan']!r}, the acknowledged save was {plans[saved[0]]!r}"
                    )
                wins += 1
                refused += 1
            await a.close()
            await b.close()
            return wins, refused

        wins, refused = asyncio.run(go())
        check.figures.update(pairs=len(issues), one_saved=wins, one_refused=refused)
    finally:
        server.stop()
    return check


# --- main ---------------------------------------------------------------------------------------------


def run(kind: str, seconds: float) -> list[Check]:
    print(f"\n== {kind}: building a small hospital ({UNITS} units) ...", flush=True)
    world = build(kind)
    checks: list[Check] = []
    try:
        steps = [
            ("load", lambda: check_load(world, seconds)),
            ("kill -9", lambda: check_kill(world)),
            ("conflicts", lambda: check_conflicts(world)),
        ]
        if kind == "postgres":
            steps.insert(2, ("pg connections terminated", lambda: check_pg_terminate(world)))
        for name, step in steps:
            try:
                result = step()
            except Exception as exc:
                result = Check(name, ok=False, details=[f"{type(exc).__name__}: {exc}"])
            checks.append(result)
            mark = "PASS" if result.ok else "FAIL"
            print(f"   [{mark}] {result.name}: {result.figures}", flush=True)
            for detail in result.details:
                print(f"          {detail}", flush=True)
    finally:
        world.db.drop()
        if all(c.ok for c in checks):
            shutil.rmtree(
                world.workdir, ignore_errors=True
            )  # on failure the server logs stay for reading
        else:
            print(f"   server logs kept in {world.workdir}")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reliability.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load test")
    parser.add_argument("--ci", action="store_true", help="both databases, the full load test")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.ci or args.db == "both" else [args.db]
    results = {kind: run(kind, 30 if args.ci else args.seconds) for kind in kinds}
    print("\n== reliability summary")
    failed = 0
    for kind, checks in results.items():
        for c in checks:
            failed += not c.ok
            print(f"   {'PASS' if c.ok else 'FAIL'}  {kind:<8} {c.name}")
    print(f"\n{'All checks passed.' if not failed else f'{failed} check(s) FAILED.'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
