"""A small HTTP/1.1 load generator on asyncio sockets, for the benches (keep-alive, bounded).

It sends only to the loopback servers a bench starts itself.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"
WARMUP = 2.0
STRAGGLE = 30.0


@dataclass
class Result:
    window: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, every reply completed in the window
    statuses: Counter[int] = field(default_factory=Counter)  # every reply, warm-up included
    errors: Counter[str] = field(default_factory=Counter)  # non-2xx and transport errors in the window
    acked: set[str] = field(default_factory=set)  # idempotency keys answered 2xx (warm-up included)
    retries: int = 0
    first_error: str = ""
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    events: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        """Successful (2xx) replies per second: a 500 is not intake."""
        return (self.count - self.n_http_errors) / self.window if self.window else 0.0

    @property
    def n_http_errors(self) -> int:
        return sum(n for k, n in self.errors.items() if k.startswith("HTTP "))

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q / 100 * len(xs)))] * 1e3

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())


class HTTPError(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server will close: just enough HTTP/1.1 for a bench."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    close = b"\r\nconnection: close" in lower
    i = lower.find(b"\r\ncontent-length:")
    if i >= 0:
        j = lower.index(b"\r\n", i + 2)
        length = int(lower[i + 17 : j])
        return status, (await reader.readexactly(length) if length else b""), close
    if b"\r\ntransfer-encoding: chunked" in lower:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return status, bytes(body), close
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", close
    raise HTTPError(f"response without length: {head[:200]!r}")


Request = Callable[[int, int], tuple[str, bytes]]  # (client, seq) -> (idempotency key or "", bytes)


async def drive(
    port: int,
    make: Request,
    *,
    clients: int,
    seconds: float,
    warmup: float = WARMUP,
    rate: float = 0.0,
    midway: Callable[[Result], None] | None = None,
) -> Result:
    """``clients`` keep-alive connections, each sending its next request as soon as the last is answered.

    With ``rate`` (open loop), the connections share a fixed arrival rate instead: each sends on
    its own schedule, and latency counts from the scheduled time, so a server that falls behind
    is charged for the queue it builds (no coordinated omission).
    """
    res = Result(window=seconds)
    interval = clients / rate if rate else 0.0
    loop = asyncio.get_running_loop()
    t_start = time.perf_counter()
    t_window = t_start + warmup
    t_end = t_window + seconds
    lat = res.latencies

    async def client(c: int) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        sent_at = 0.0
        seq = 0
        pending: tuple[str, bytes] | None = None
        due = t_start + interval * c / clients  # staggered, so arrivals are spread evenly
        while time.perf_counter() < t_end:
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection(HOST, port)
                except OSError as exc:
                    if time.perf_counter() >= t_window:
                        res.errors[f"connect: {type(exc).__name__}"] += 1
                    await asyncio.sleep(0.05)
                    continue
            if pending is None:
                if interval:
                    if due >= t_end:
                        break
                    if (wait := due - time.perf_counter()) > 0:
                        await asyncio.sleep(wait)
                    sent_at = due
                    due += interval
                pending = make(c, seq)
                seq += 1
            else:
                res.retries += 1  # same key again: the upstream's retry after a lost reply
            key, data = pending
            t0 = time.perf_counter()
            if interval:
                t0 = min(t0, sent_at)
            try:
                writer.write(data)
                status, body, close = await read_response(reader)  # type: ignore[arg-type]
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HTTPError) as exc:
                if time.perf_counter() >= t_window:
                    res.errors[f"transport: {type(exc).__name__}"] += 1
                writer.close()
                writer = None
                continue
            t1 = time.perf_counter()
            pending = None
            res.statuses[status] += 1
            ok = 200 <= status < 300
            if ok and key:
                res.acked.add(key)
            if t_window <= t1 < t_end:
                lat.append(t1 - t0)
                if not ok:
                    res.errors[f"HTTP {status}"] += 1
            if not ok and not res.first_error:
                res.first_error = f"HTTP {status}: {body[:300].decode(errors='replace')}"
            if close:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    async def at_midway() -> None:
        if midway is None:
            return
        await asyncio.sleep(max(0.0, t_window + seconds / 2 - time.perf_counter()))
        await loop.run_in_executor(None, midway, res)

    cpu0 = time.process_time()
    tasks = [asyncio.create_task(client(c)) for c in range(clients)]
    await at_midway()
    # A reply that never comes must not hang the bench: give stragglers a grace period.
    _done, stuck = await asyncio.wait(tasks, timeout=max(0.0, t_end - time.perf_counter()) + STRAGGLE)
    for task in stuck:
        task.cancel()
    if stuck:
        res.errors[f"no reply within {STRAGGLE:.0f} s of the end"] += len(stuck)
    res.client_cpu = time.process_time() - cpu0
    return res


# --------------------------------------------------------------------------- requests
