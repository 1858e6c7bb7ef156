"""Alert intake API vs the minimal Django JSON view, served the same way (DESIGN.md §7).

    .venv/bin/python bench/alert_intake.py [--clients 50] [--seconds 10] [--workers CPUS]
        [--database-url postgres://postgres@127.0.0.1:5432] [--kill] [--rate 5] [--keep] [--app M:A]

Builds a throw-away installation (a temporary data dir with SQLite, or a fresh PostgreSQL
database ``zhengyi_bench_<pid>`` when ``--database-url`` names a server but no database; it is
dropped afterwards), runs ``zhengyi migrate`` and ``zhengyi demo load`` there (two years of
demo history included; on PostgreSQL followed by ANALYZE, as autovacuum would do) and issues a
token for ``dispatcher``. Then starts two granian servers with the flags of ``zhengyi serve``
(``--interface wsgi --workers N --blocking-threads T``, T = 16 as ``zhengyi serve``): zhengyi itself, and the ceiling, the
minimal Django JSON view of ``bench/minimal_site`` (no database, no middleware).

An asyncio HTTP/1.1 keep-alive client in this process drives each in turn with ``--clients``
connections, closed loop, for ``--seconds`` after a 2 s warm-up: (a) GET of the minimal view,
(b) POST /api/alerts with a unique ``Idempotency-Key`` per call, spread over the demo's
buildings (a request cut off by a dropped connection is retried with the same key, as the
upstream 110 system would). ``--rate R`` adds (c): the intake open loop at R alerts/s, latency
counted from the scheduled send time. Prints 2xx replies/s, p50/p95/p99/max latency, errors and
the CPU used by client and servers, the ratio (b)/(a) against the bar (≥ 0.1×) and (b)'s p99
against 100 ms, and the exceptions behind any 5xx (from the server log).

Durability: every key answered 201/200 is then looked up in ``alerts_alert`` directly
(sqlite3 / psycopg) after the server has stopped; each must be there exactly once. ``--kill``
SIGKILLs the zhengyi server (the whole process group) half-way through the measured run,
restarts it and lets the clients reconnect and retry — the acknowledged alerts must all survive.
``--app`` serves another WSGI callable as the intake server (e.g. a wrapper that patches in a
candidate fix, to measure it before changing the code); ``--keep`` keeps the data dir and logs.

It reports; it does not judge: exit status 0 whether or not the performance bars are met,
1 only if an acknowledged alert is missing or duplicated (a correctness failure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from loadgen import HOST, WARMUP, Request, Result, drive
from servers import (
    ROOT,
    SERVE_THREADS,
    SERVE_WORKERS,
    Database,
    Server,
    free_port,
    prepare_database,
    server_env,
    zhengyi,
)

BAR_RATIO = 0.1
BAR_P99_MS = 100.0

CATEGORIES = [
    "criminal",
    "public_order",
    "traffic",
    "fire",
    "disaster",
    "assistance",
    "dispute",
    "complaint",
    "other",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
WHAT = [
    "电动车被盗，车停在楼下",
    "邻居争吵，声音很大",
    "路口两车剐蹭，无人受伤",
    "楼道有烟味，疑似起火",
    "老人走失，穿灰色外套",
    "钥匙锁在屋内，请求协助开门",
    "商铺门口有人醉酒滋事",
    "手机在地铁站被扒窃",
]


# --------------------------------------------------------------------------- load generator


def intake_requests(port: int, token: str, buildings: list[str], tag: str, seed: int = 7) -> Request:
    rng = random.Random(seed)
    bodies = []
    for _ in range(1000):
        body = {
            "category": rng.choice(CATEGORIES),
            "source": "phone_110",
            "caller_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            "caller_phone": f"13{rng.choice('36789')}{rng.randrange(10**8):08d}",
            "building_code": rng.choice(buildings),
            "description": rng.choice(WHAT),
        }
        raw = json.dumps(body, ensure_ascii=False).encode()
        bodies.append(b"Content-Length: %d\r\n\r\n%s" % (len(raw), raw))
    head = (
        f"POST /api/alerts HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nIdempotency-Key: "
    ).encode()

    def make(c: int, seq: int) -> tuple[str, bytes]:
        key = f"bench-{tag}-{c}-{seq}"
        return key, b"%s%s\r\n%s" % (head, key.encode(), bodies[(c * 7919 + seq) % len(bodies)])

    return make


def minimal_requests(port: int) -> Request:
    data = f"GET / HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    return lambda c, seq: ("", data)


# --------------------------------------------------------------------------- durability


@dataclass
class Durability:
    acknowledged: int
    found: int
    missing: list[str]
    duplicates: dict[str, int]
    unacknowledged_present: int

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicates


def check_durability(db: Database, tag: str, acked: set[str]) -> Durability:
    rows = db.query(
        "SELECT idempotency_key, COUNT(*) FROM alerts_alert WHERE idempotency_key LIKE ? GROUP BY idempotency_key",
        (f"bench-{tag}-%",),
    )
    stored = {str(k): int(n) for k, n in rows}  # type: ignore[call-overload]
    return Durability(
        acknowledged=len(acked),
        found=sum(1 for k in acked if k in stored),
        missing=sorted(acked - stored.keys()),
        duplicates={k: n for k, n in stored.items() if n > 1},
        unacknowledged_present=len(stored.keys() - acked),
    )


# --------------------------------------------------------------------------- main


def versions() -> str:
    def v(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    return (
        f"python {platform.python_version()}, Django {v('django')}, django-ninja {v('django-ninja')}, "
        f"granian {v('granian')}; {os.cpu_count()} CPUs, {platform.machine()}"
    )


def row(name: str, r: Result) -> str:
    errs = f"{r.n_errors:,}" if r.n_errors else "0"
    return (
        f"{name:<40}{r.rate:>9,.0f}{r.pct(50):>9.1f}{r.pct(95):>9.1f}{r.pct(99):>9.1f}"
        f"{max(r.latencies, default=0) * 1e3:>9.1f}{errs:>8}"
        f"{100 * r.client_cpu / (r.window + WARMUP):>8.0f}%"
        + (
            f"{100 * r.server_cpu / (r.window + WARMUP):>8.0f}%"
            if r.server_cpu == r.server_cpu
            else f"{'-':>9}"
        )
    )


@contextlib.contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind like Ctrl+C, so the finally blocks clean up."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds (after a 2 s warm-up)")
    ap.add_argument(
        "--workers", type=int, default=SERVE_WORKERS, help="granian worker processes (both servers)"
    )
    ap.add_argument(
        "--threads", type=int, default=SERVE_THREADS, help="granian --blocking-threads (both servers)"
    )
    ap.add_argument(
        "--database-url",
        default="",
        help="postgres://… ; without a database name a fresh zhengyi_bench_<pid> is created and dropped",
    )
    ap.add_argument("--kill", action="store_true", help="SIGKILL the zhengyi server mid-run and restart it")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="also run the intake open-loop at this many alerts/s over the same connections",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary data dir (for inspection)")
    ap.add_argument(
        "--app",
        default="zhengyi.wsgi:application",
        help="WSGI app of the intake server, e.g. a wrapper that patches a candidate fix (what-if runs)",
    )
    args = ap.parse_args()

    print(versions())
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    tag = f"{os.getpid()}-{int(time.time())}"
    with interrupts_as_keyboard(), contextlib.ExitStack() as stack:
        data_dir = Path(tempfile.mkdtemp(prefix="zhengyi-bench-"))
        if args.keep:
            stack.callback(print, f"kept {data_dir}")
        else:
            stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
        db = prepare_database(args.database_url, data_dir, stack)
        env = server_env(data_dir, db)

        t0 = time.perf_counter()
        zhengyi(env, "migrate", "--no-input", "-v", "0")
        zhengyi(env, "demo", "load")
        token = (
            zhengyi(env, "tokens", "create", "--user", "dispatcher", "--name", "bench")
            .strip()
            .splitlines()[-1]
        )
        buildings = [
            str(r[0])
            for r in db.query(
                "SELECT b.code FROM precinct_building b JOIN core_station s ON s.id = b.station_id "
                "WHERE s.code = ? ORDER BY b.code",
                ("FT",),
            )
        ]
        if not buildings:
            raise SystemExit("the demo has no buildings in FT")
        if db.sqlite_path is None:
            # Fresh statistics, as autovacuum would have gathered them in a running system: the
            # bulk-loaded history would otherwise be planned as an empty table.
            db.query("ANALYZE")
        history = db.query("SELECT COUNT(*) FROM alerts_alert")[0][0]
        print(f"database: {db.label}" + (", ANALYZEd after the load" if db.sqlite_path is None else ""))
        print(
            f"setup: migrate + demo load + token in {time.perf_counter() - t0:.1f} s; {history:,} alerts of "
            f"demo history already stored; calls spread over {len(buildings):,} buildings of FT"
        )

        minimal_env = dict(env, PYTHONPATH=str(ROOT / "bench"))
        minimal = Server(
            "minimal",
            "minimal_site.wsgi:application",
            free_port(),
            minimal_env,
            ROOT / "bench",
            args.workers,
            data_dir / "granian-minimal.log",
            args.threads,
        )
        app = Server(
            "zhengyi",
            args.app,
            free_port(),
            env,
            ROOT,
            args.workers,
            data_dir / "granian-zhengyi.log",
            args.threads,
        )
        stack.callback(minimal.stop)
        stack.callback(app.stop)
        minimal.start()
        app.start()
        minimal.wait_ready("/")
        app.wait_ready("/healthz")
        print(
            f"servers: granian --interface wsgi --workers {args.workers} --blocking-threads {args.threads} "
            f"(the flags of zhengyi serve), ZHENGYI_LOG_LEVEL=WARNING"
            + (f"; intake app {args.app}" if args.app != "zhengyi.wsgi:application" else "")
        )
        print(
            f"load: {args.clients} keep-alive connections, {WARMUP:.0f} s warm-up + {args.seconds:g} s measured, "
            "asyncio HTTP/1.1 client in this process"
        )

        def measure(
            server: Server, make: Request, midway: Callable[[Result], None] | None = None, rate: float = 0.0
        ) -> Result:
            cpu0 = server.cpu()
            res = asyncio.run(
                drive(server.port, make, clients=args.clients, seconds=args.seconds, rate=rate, midway=midway)
            )
            res.server_cpu = server.cpu() - cpu0 if not res.events else float("nan")
            return res

        def kill_and_restart(res: Result) -> None:
            t = time.perf_counter()
            app.kill()
            res.events.append(f"SIGKILL zhengyi server at {len(res.acked):,} acknowledged alerts")
            app.start()
            app.wait_ready("/healthz")
            res.events.append(f"restarted and ready after {time.perf_counter() - t:.1f} s")

        ceiling = measure(minimal, minimal_requests(minimal.port))
        intake = measure(
            app,
            intake_requests(app.port, token, buildings, tag),
            kill_and_restart if args.kill else None,
        )
        paced = None
        if args.rate:
            paced = measure(
                app, intake_requests(app.port, token, buildings, tag + "-r", seed=8), rate=args.rate
            )
        app.stop()  # every acknowledged alert must be in the database once the server is gone
        acked = intake.acked | (paced.acked if paced else set())
        durable = check_durability(db, tag, acked)

        print()
        print(
            f"{'':40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'client':>9}{'server':>9}"
        )
        print(row("(a) minimal Django JSON view (ceiling)", ceiling))
        print(row("(b) POST /api/alerts (intake)", intake))
        if paced:
            print(row(f"(c) intake open loop at {args.rate:g}/s", paced))
        print(
            "    req/s: 2xx replies per second; latency: every reply; errors: non-2xx and dropped connections"
        )
        print("    client/server: CPU used by the load generator / the granian processes, % of one core")
        phases = [("(a)", ceiling), ("(b)", intake)] + ([("(c)", paced)] if paced else [])
        for label, r in phases[1:]:
            statuses = ", ".join(f"{s} × {n:,}" for s, n in sorted(r.statuses.items()))
            print(
                f"{label} replies (warm-up included): {statuses}; retries after a lost reply: {r.retries:,}"
            )
        for label, r in phases:
            if r.errors:
                print(f"{label} errors: " + ", ".join(f"{k} × {n:,}" for k, n in r.errors.most_common()))
            if r.first_error:
                print(f"{label} first error: {r.first_error[:160]!r}")
        for server in (minimal, app):
            for exc, n in server.exceptions().most_common(5):
                print(f"{server.name} server log: {n:,} × {exc}")
        for event in intake.events:
            print(f"--kill: {event}")
        if intake.events:
            print("--kill: (b)'s figures include the outage; take the bars from a run without --kill")

        ratio = intake.rate / ceiling.rate if ceiling.rate else float("nan")
        p99 = intake.pct(99)
        print()
        print(
            f"ratio (b)/(a): {ratio:.3f}× — DESIGN bar ≥ {BAR_RATIO}×: "
            + ("within the bar" if ratio >= BAR_RATIO else "BELOW the bar")
        )
        print(
            f"p99 (b): {p99:.1f} ms with {args.clients} clients — DESIGN bar < {BAR_P99_MS:.0f} ms: "
            + ("within the bar" if p99 < BAR_P99_MS else "OVER the bar")
        )
        print(
            f"durability: acknowledged {durable.acknowledged:,}, found {durable.found:,}, "
            f"missing {len(durable.missing):,}, duplicates {len(durable.duplicates):,}"
            f" (+ {durable.unacknowledged_present:,} stored whose reply never arrived)"
            + (" — OK" if durable.ok else " — FAILED")
        )
        if durable.missing:
            print(
                "  missing keys: "
                + ", ".join(durable.missing[:10])
                + (" …" if len(durable.missing) > 10 else "")
            )
        if durable.duplicates:
            print(
                "  duplicated keys: "
                + ", ".join(f"{k} × {n}" for k, n in list(durable.duplicates.items())[:10])
            )
        print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if not intake.acked:
            print("warning: no alert was acknowledged — the intake figures measure errors, not intake")
        return 0 if durable.ok else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped and temporary files removed", file=sys.stderr)
        raise SystemExit(130) from None
