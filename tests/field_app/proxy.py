"""A loopback TCP proxy between the browser and the gateway: the phone's network, as the tests
and the benchmark make it. What it does holds for every byte, the service worker's own requests
included (Chromium's ``set_offline`` and page emulation do not reach those reliably).

Modes:

- ``online``: bytes pass as they come;
- ``offline``: every connection is closed at once, before a byte reaches the gateway (and the
  connections open when it went offline are cut);
- ``cut_after(n)``: the next ``n`` bytes upstream pass, then the connection carrying the
  ``n``-th byte is cut (both sides reset) and the proxy goes offline: an upload dies midway;
- ``throttle(kbps, rtt_ms)``: a serial link of ``kbps`` each way (shared by all connections,
  as one radio link is) with ``rtt_ms / 2`` of delay on every byte in each direction.

It counts the connections it forwarded and the bytes each way, so a test can show that nothing
reached the gateway while offline and a benchmark what crossed the link. The gateway's address
can change (``upstream``: a restarted gateway on another port).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
import time
from dataclasses import dataclass, field

CHUNK = 16 * 1024
SLICE = 1460  # what the link sends at a time (one TCP segment's payload)
BURST = 4 * SLICE  # what may come out at once after the proxy itself lagged


@dataclass
class Counters:
    connections: int = 0  # accepted from the browser
    forwarded: int = 0  # opened to the gateway
    refused: int = 0  # closed at once (offline)
    bytes_up: int = 0  # browser → gateway, as delivered to the gateway
    bytes_down: int = 0  # gateway → browser
    first_up: float | None = None  # monotonic time of the first and last byte upstream
    last_up: float | None = None
    cuts: int = 0

    def snapshot(self) -> Counters:
        return Counters(**self.__dict__)


@dataclass
class Link:
    """One direction of a serial link: a byte takes ``1/rate`` of the line, then ``delay``."""

    rate: float  # bytes per second; 0 = unlimited
    delay: float  # seconds, one way
    busy_until: float = 0.0
    tokens: float = BURST  # the far end: a bucket of BURST bytes, refilled at the rate
    last: float = 0.0

    def reserve(self, size: int, now: float) -> float:
        """When ``size`` bytes handed over at ``now`` have left the line."""
        if self.rate <= 0:
            return now
        start = max(now, self.busy_until)
        self.busy_until = start + size / self.rate
        return self.busy_until

    def take(self, size: int, now: float) -> float:
        """Let ``size`` bytes out now (0) or say how long to wait: a bucket of BURST bytes
        refilled at the rate, by the clock at which bytes really leave, so no window of real
        time sees more than the rate (plus BURST, what a proxy that woke late catches up)."""
        if self.rate <= 0:
            return 0.0
        have = min(BURST, self.tokens + (now - self.last) * self.rate)
        if have < size:
            return (size - have) / self.rate
        self.tokens, self.last = have - size, now
        return 0.0


@dataclass(eq=False)
class _Conn:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task] = field(default_factory=list)

    closed: bool = False

    def abort(self) -> None:
        self.closed = True
        for writer in (self.client, self.server):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.transport.abort()  # a reset, as a dead radio link looks
        for task in self.tasks:
            task.cancel()


class Proxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream = upstream_port
        self.mode = "online"
        self.counters = Counters()
        self._cut_left: int | None = None
        self._links = {"up": Link(0, 0), "down": Link(0, 0)}
        self._out: dict[str, asyncio.PriorityQueue] = {}
        self._seq = itertools.count()
        self._conns: set[_Conn] = set()
        self.timeline: list[tuple[float, int]] = []  # (monotonic time, bytes) delivered up
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        listener = socket.socket()
        listener.bind((host, 0))
        listener.listen(128)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name="field-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- modes -------------------------------------------------------------------------------

    def online(self) -> None:
        self._call(self._set, "online")

    def offline(self) -> None:
        """No byte reaches the gateway from now on; open connections are cut."""
        self._call(self._set, "offline")

    def cut_after(self, n_bytes: int) -> None:
        """Let ``n_bytes`` more go up, then cut that connection and go offline."""
        self._call(self._set, "cut", n_bytes)

    def throttle(self, kbps: float, rtt_ms: float) -> None:
        """A link of ``kbps`` kilobits per second each way and ``rtt_ms`` round trip."""
        rate = kbps * 1000 / 8
        self._call(self._set_links, rate, rtt_ms / 2000)

    def unthrottled(self) -> None:
        self._call(self._set_links, 0, 0)

    def snapshot(self) -> Counters:
        with self._lock:
            return self.counters.snapshot()

    def reset(self) -> Counters:
        """The counters so far; counting starts again from zero."""
        with self._lock:
            before, self.counters = self.counters, Counters()
            self.timeline = []
        return before

    def peak_up(self, window: float = 5.0) -> float:
        """The most bytes per second delivered upstream in any ``window`` seconds."""
        with self._lock:
            points = list(self.timeline)
        best, total, start = 0, 0, 0
        for end in range(len(points)):
            total += points[end][1]
            while points[end][0] - points[start][0] > window:
                total -= points[start][1]
                start += 1
            best = max(best, total)
        return best / window

    def close(self) -> None:
        self._call(self._shutdown)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # --- inside the loop ---------------------------------------------------------------------

    def _call(self, fn, *args) -> None:
        future = asyncio.run_coroutine_threadsafe(self._wrap(fn, *args), self._loop)
        future.result(10)

    @staticmethod
    async def _wrap(fn, *args) -> None:
        fn(*args)

    def _set(self, mode: str, n_bytes: int | None = None) -> None:
        self.mode = mode
        self._cut_left = n_bytes if mode == "cut" else None
        if mode == "offline":
            for conn in list(self._conns):
                conn.abort()

    def _set_links(self, rate: float, delay: float) -> None:
        now = time.monotonic()
        self._links = {
            "up": Link(rate, delay, now, BURST, now),
            "down": Link(rate, delay, now, BURST, now),
        }

    def _shutdown(self) -> None:
        self.mode = "offline"
        for conn in list(self._conns):
            conn.abort()
        for task in self._schedulers:
            task.cancel()
        self._server.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        for direction in ("up", "down"):
            self._out[direction] = asyncio.PriorityQueue()
        self._schedulers = [
            self._loop.create_task(self._scheduler(direction)) for direction in ("up", "down")
        ]
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._accept, sock=self._listener, limit=CHUNK)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.counters.connections += 1
        if self.mode == "offline":
            with self._lock:
                self.counters.refused += 1
            writer.transport.abort()
            return
        conn = _Conn(writer)
        self._conns.add(conn)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream)
        except OSError:  # the gateway is down (killed, restarting): as a refused connection
            self._conns.discard(conn)
            writer.transport.abort()
            return
        conn.server = up_writer
        with self._lock:
            self.counters.forwarded += 1
        if self.mode == "offline":  # went offline while connecting
            conn.abort()
            self._conns.discard(conn)
            return
        conn.tasks = [
            asyncio.create_task(self._pipe(reader, up_writer, "up", conn)),
            asyncio.create_task(self._pipe(up_reader, writer, "down", conn)),
        ]
        try:
            await asyncio.gather(*conn.tasks, return_exceptions=True)
        finally:
            self._conns.discard(conn)
            conn.abort()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: str,
        conn: _Conn,
    ) -> None:
        """Bytes one way: each slice takes its turn on the link; the direction's one scheduler
        lets it out after its delay, in the order the link carried them (all connections)."""
        out = self._out[direction]
        try:
            while True:
                data = await reader.read(CHUNK)
                link = self._links[direction]
                if not data:
                    due = max(time.monotonic(), link.busy_until) + link.delay
                    out.put_nowait((due, next(self._seq), conn, writer, None))
                    break
                for at in range(0, len(data), SLICE):
                    piece = data[at : at + SLICE]
                    sent = link.reserve(len(piece), time.monotonic())
                    if link.rate > 0 and sent - time.monotonic() > 0.5:
                        await asyncio.sleep(sent - time.monotonic() - 0.25)  # the line is busy
                    out.put_nowait((sent + link.delay, next(self._seq), conn, writer, piece))
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            conn.abort()  # one side died (a killed gateway): the other sees it at once

    async def _scheduler(self, direction: str) -> None:
        """What comes out of the link one way, in order, never faster than its rate."""
        out = self._out[direction]
        while True:
            due, _, conn, writer, data = await out.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            while data and (wait := self._links[direction].take(len(data), time.monotonic())):
                await asyncio.sleep(wait)
            now = time.monotonic()
            if conn.closed:
                continue
            if self.mode == "offline":
                conn.abort()
                continue
            if data is None:
                with contextlib.suppress(Exception):
                    writer.write_eof()
                continue
            data, cut = self._count(direction, data, now)
            try:
                if data:
                    writer.write(data)
                    await asyncio.wait_for(writer.drain(), 10)
            except (TimeoutError, ConnectionError, OSError):
                conn.abort()
                continue
            if cut:
                await asyncio.sleep(0.05)  # the part has reached the gateway: then cut
                for other in list(self._conns):
                    other.abort()

    def _count(self, direction: str, data: bytes, now: float) -> tuple[bytes, bool]:
        """Count what is delivered; a cut lets part of it through (True: then cut)."""
        cut = False
        if direction == "up" and self.mode == "cut" and self._cut_left is not None:
            if len(data) >= self._cut_left:
                data, cut = data[: self._cut_left], True
                self.mode, self._cut_left = "offline", None
                with self._lock:
                    self.counters.cuts += 1
            else:
                self._cut_left -= len(data)
        with self._lock:
            if direction == "up":
                self.timeline.append((now, len(data)))
                self.counters.bytes_up += len(data)
                self.counters.first_up = self.counters.first_up or now
                self.counters.last_up = now
            else:
                self.counters.bytes_down += len(data)
        return data, cut
