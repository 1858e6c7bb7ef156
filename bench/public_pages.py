"""Public portal pages (DESIGN §7): requests/s of /public/ and a publication page against the
minimal Django view served the same way in the same run; and each page's size.

Each page is measured twice: as served (from the page store, zhengyi/sunshine/page_store.py —
the rendering kept since the last change to what it shows, checked against the database's
public generation on every request) and rendered on every request (a second server with
ZHENGYI_SUNSHINE_PAGE_STORE=0). Before the load, each stored page is asserted byte-equal to a
fresh rendering.

Bar: at least 0.3× the minimal view, every page under 200 KB. A fresh installation with the
full demo (which publishes the portal's content through the services) is made in a temporary
directory, or in PostgreSQL with --database-url; both servers are granian with the flags of
`zhengyi serve`. Rounds interleave the arms so a noisy neighbour hurts them alike.

    .venv/bin/python bench/public_pages.py [--clients 20] [--seconds 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from alert_intake import interrupts_as_keyboard, row, versions
from loadgen import HOST, WARMUP, Result, drive
from servers import (
    ROOT,
    SERVE_THREADS,
    SERVE_WORKERS,
    Server,
    free_port,
    prepare_database,
    server_env,
    zhengyi,
)

BAR_RATIO = 0.3
BAR_BYTES = 200_000


def get_requests(port: int, path: str):  # type: ignore[no-untyped-def]
    data = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Language: zh-CN\r\n\r\n".encode()
    return lambda c, seq: ("", data)


def fetch(port: int, path: str) -> tuple[int, int]:
    status, data = get(port, path)
    return status, len(data)


def body(port: int, path: str) -> bytes:
    return get(port, path)[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=SERVE_WORKERS)
    ap.add_argument("--threads", type=int, default=SERVE_THREADS)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    print(versions())
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    with interrupts_as_keyboard(), contextlib.ExitStack() as stack:
        data_dir = Path(tempfile.mkdtemp(prefix="zhengyi-bench-public-"))
        if not args.keep:
            stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
        db = prepare_database(args.database_url, data_dir, stack)
        env = server_env(data_dir, db)
        t0 = time.perf_counter()
        zhengyi(env, "migrate", "--no-input", "-v", "0")
        zhengyi(env, "demo", "load")
        if db.sqlite_path is None:
            db.query("ANALYZE")
        pubs = db.query(
            "SELECT s.code, p.number FROM sunshine_publication p JOIN core_station s ON s.id = p.station_id "
            "WHERE p.current_id IS NOT NULL ORDER BY p.id"
        )
        if not pubs:
            raise SystemExit("the demo published nothing")
        station, number = pubs[0]
        pub_path = f"/public/p/{station}/{number}/"
        print(
            f"database: {db.label}; setup (migrate + demo load) {time.perf_counter() - t0:.1f} s; "
            f"{len(pubs)} publications"
        )

        minimal = Server("minimal", "minimal_site.wsgi:application", free_port(),
                         dict(env, PYTHONPATH=str(ROOT / "bench")), ROOT / "bench", args.workers,
                         data_dir / "granian-minimal.log", args.threads)  # fmt: skip
        app = Server("zhengyi", "zhengyi.wsgi:application", free_port(), env, ROOT, args.workers,
                     data_dir / "granian-zhengyi.log", args.threads)  # fmt: skip
        # The same application with the page store off: every request renders (for the record).
        rendering = Server("zhengyi-render", "zhengyi.wsgi:application", free_port(),
                           dict(env, ZHENGYI_SUNSHINE_PAGE_STORE="0"), ROOT, args.workers,
                           data_dir / "granian-zhengyi-render.log", args.threads)  # fmt: skip
        servers = (minimal, app, rendering)
        for server in servers:
            stack.callback(server.stop)
            server.start()
        minimal.wait_ready("/")
        app.wait_ready("/healthz")
        rendering.wait_ready("/healthz")

        pages = {"/public/": "home", pub_path: "publication"}
        extra = [
            "/public/feed/rss/",
            "/public/data/publications.json",
            "/public/summaries/",
            "/public/feedback/",
        ]
        print("\npage sizes (bytes of the response body):")
        sizes = {}
        for path in [*pages, *extra]:
            status, size = fetch(app.port, path)
            sizes[path] = size
            print(f"  {path:<44}{status:>5}{size:>10,}  {'ok' if size < BAR_BYTES else 'OVER 200 KB'}")
        for path in pages:
            fetch(app.port, path)  # the first request stored it; this one is served from the store
            if body(app.port, path) != body(rendering.port, path):
                raise SystemExit(f"{path}: the stored page differs from a fresh rendering")
        print(f"stored pages equal fresh renderings (asserted): {', '.join(pages)}")

        print(
            f"\nload: {args.clients} keep-alive connections, {WARMUP:.0f} s warm-up + {args.seconds:g} s "
            f"measured, {args.rounds} interleaved rounds; granian --workers {args.workers} "
            f"--blocking-threads {args.threads}"
        )
        print(f"{'arm':<40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
              f"{'client':>9}{'server':>9}")  # fmt: skip
        arms = [(app, path, name) for path, name in pages.items()]
        arms += [(rendering, path, f"{name} rendered") for path, name in pages.items()]
        rates: dict[str, list[float]] = {"minimal": [], **{name: [] for _s, _p, name in arms}}

        def measure(server: Server, path: str) -> Result:
            cpu0 = server.cpu()
            res = asyncio.run(drive(server.port, get_requests(server.port, path), clients=args.clients,
                                    seconds=args.seconds))  # fmt: skip
            res.server_cpu = server.cpu() - cpu0
            return res

        for r in range(args.rounds):
            res = measure(minimal, "/")
            rates["minimal"].append(res.rate)
            print(row(f"[{r + 1}] minimal Django view", res))
            for server, path, name in arms:
                res = measure(server, path)
                rates[name].append(res.rate)
                print(row(f"[{r + 1}] {name} {path}"[:39], res))
                if res.n_errors:
                    print(f"    errors: {dict(res.errors)}")

        ceiling = statistics.median(rates["minimal"])
        print(f"\nratio to the minimal view (median of rounds; bar ≥ {BAR_RATIO}×):")
        for _server, _path, name in arms:
            ratio = statistics.median(rates[name]) / ceiling
            print(f"  {name:<22}{statistics.median(rates[name]):>9,.0f} req/s  {ratio:.2f}×  "
                  f"{'met' if ratio >= BAR_RATIO else 'NOT MET'}")  # fmt: skip
        worst = max(sizes.values())
        print(f"largest page {worst:,} bytes: {'met' if worst < BAR_BYTES else 'NOT MET'} (< 200 KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
