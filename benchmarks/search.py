"""Household search benchmark (not a test): the gateway's ``GET /api/v1/households`` with
1,000,000 people in the registry, beside raw baselines in the same run.

    python -m benchmarks.search [--people 1000000] [--clients 8] [--seconds 20]
                                [--baseline-seconds 10] [--rates 20,50,100,150]
                                [--kinds name,nik,no_kk,desa_status]
                                [--json OUT]

Goal (issue 7, this 2-core machine): p99 under 50 ms.

What runs: scratch databases (``SIPMAS_DATABASE_URL_TEMPLATE``, default ``sipmas_bench_search_*``)
and a scratch vhost; the registry filled by a real ``sipmas import`` of a generated DTSEN file of
``--people`` person rows (the file is kept under ``var/bench`` and the registry database is kept
too: a rerun migrates it and skips the import when it already holds that file); the registry and
the gateway as ``make run`` runs them (``nameko run --config config.yaml ...``, one process);
two users made with ``sipmas users create`` and ``sipmas users token``: Dinsos staff with the
whole district (a supervisor without an area) and a village operator scoped to one desa.

What is measured, each for a fixed time from ``--clients`` concurrent clients, each client on
its own keep-alive connection:

- **gateway search**: searches as staff make them, over HTTP with a bearer token — by a name
  fragment, by NIK, by No. KK, by desa + status (a page of 50) — half by each user; every one
  authenticated, checked, sent to the registry over RPC, and written to the audit chain;
- **raw SQL**: the very statement the registry runs for the same searches
  (``use_cases/search.search_query``), straight on PostgreSQL with psycopg2;
- **raw HTTP**: ``GET /health`` of the same gateway (an HTTP round trip and a ``SELECT 1``);
- **gateway search at fixed rates** (``--rates``, open loop, one phase per rate): the latency a
  user meets below saturation, counted from when each search was due; the highest rate whose
  p99 stays under the goal is the capacity the goal allows.

Errors (any answer but 200, any broken connection) are counted; the run exits 1 if any.
The gateway's per-token rate limit is policy, not capacity: it is lifted here unless
``SIPMAS_GATEWAY_RATE_PER_MINUTE`` is set.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE",
    "postgresql://postgres@127.0.0.1:5432/sipmas_bench_search_{service}",
)

import psycopg2  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from benchmarks import registry_import  # noqa: E402
from benchmarks.support import (  # noqa: E402
    ROOT,
    CpuMeter,
    Services,
    free_port,
    machine,
    ms,
    percentile,
    scratch_vhost,
)
from sipmas import db, settings  # noqa: E402
from sipmas_cli import system, topology  # noqa: E402

SERVICES = ("registry", "gateway")
API = "/api/v1/households"
GOAL_P99_S = 0.050
LIFTED_RATE = "1000000000"
KINDS = ("name", "nik", "no_kk", "desa_status")
SAMPLES_PER_USER = 400


# --- the registry, filled once -------------------------------------------------------------------


def fill_registry(people: int) -> Path:
    """The registry holding a real import of the generated file of ``people`` rows: migrated
    (new migrations apply to a kept database), imported only when it does not hold it yet."""
    path = registry_import.bench_file(people)
    system.migrate("registry")
    if _holds(path):
        print(f"registry already holds {path.name}: import skipped", flush=True)
    else:
        db.drop_database(settings.database_url("registry"))
        system.migrate("registry")
        from services.registry.use_cases.importing import batches

        started = time.perf_counter()
        summary = batches.import_file("dtsen", path, actor="bench")
        print(
            f"imported {summary.rows_read:,} rows of {path.name} in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    with db.engine("registry").begin() as conn:  # set-up, not measured: nobody consumes them
        conn.execute(sa.text("UPDATE outbox SET published_at = now() WHERE published_at IS NULL"))
    # what autovacuum does shortly after a large import: statistics and the visibility map
    with db.engine("registry").connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    return path


def _holds(path: Path) -> bool:
    with db.engine("registry").connect() as conn:
        return bool(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM import_batches WHERE filename = :f "
                    "AND status = 'completed'"
                ),
                {"f": path.name},
            )
        )


def registry_size() -> tuple[int, int]:
    with db.engine("registry").connect() as conn:
        people = conn.scalar(sa.text("SELECT count(*) FROM people"))
        households = conn.scalar(sa.text("SELECT count(*) FROM households"))
    return people, households


# --- what the users search for -------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    kind: str
    user: str
    criteria: dict[str, Any]


@dataclass(frozen=True)
class User:
    username: str
    token: str
    scope: dict | None  # as the gateway passes it to the registry (``policy.area``)


def busiest_desa() -> str:
    with db.engine("registry").connect() as conn:
        return conn.scalar(
            sa.text(
                "SELECT desa_code FROM households WHERE desa_code IS NOT NULL "
                "GROUP BY desa_code ORDER BY count(*) DESC, desa_code LIMIT 1"
            )
        )


def sample_searches(user: User, count: int, seed: int) -> list[Search]:
    """``count`` searches of each kind for people in ``user``'s area, as staff type them."""
    desa = (user.scope or {}).get("desa_codes") or []
    where = "h.desa_code = ANY(CAST(:desa AS text[]))" if desa else "true"
    with db.engine("registry").connect() as conn:
        conn.execute(sa.text("SELECT setseed(:s)"), {"s": seed / 1000})
        rows = conn.execute(
            sa.text(
                "SELECT p.nik, p.nama, h.no_kk, h.desa_code, h.status FROM people p "
                f"JOIN households h ON h.id = p.household_id WHERE {where} AND h.no_kk IS NOT NULL "
                "ORDER BY random() LIMIT :n"
            ),
            {"desa": desa, "n": count},
        ).all()
    searches = []
    for row in rows:
        searches += [
            Search("name", user.username, {"name": name_fragment(row.nama)}),
            Search("nik", user.username, {"nik": str(row.nik)}),
            Search("no_kk", user.username, {"no_kk": str(row.no_kk)}),
            Search(
                "desa_status",
                user.username,
                {"desa_code": row.desa_code, "status": row.status, "limit": 50},
            ),
        ]
    random.Random(seed).shuffle(searches)
    return searches


def name_fragment(name: str) -> str:
    """What staff type for a name: the first word and the start of the next ("NURUL HAY")."""
    words = name.split()
    fragment = words[0] if len(words) == 1 else f"{words[0]} {words[1][:3]}"
    return fragment if len(fragment) >= 3 else name[:20]


# --- the services and the users ------------------------------------------------------------------


def service_env(amqp_uri: str, port: int) -> dict[str, str]:
    return {
        "AMQP_URI": amqp_uri,
        "SIPMAS_DATABASE_URL_TEMPLATE": os.environ["SIPMAS_DATABASE_URL_TEMPLATE"],
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "SIPMAS_METRICS_PORT": os.environ.get("SIPMAS_METRICS_PORT", "0"),
        "SIPMAS_GATEWAY_RATE_PER_MINUTE": os.environ.get(
            "SIPMAS_GATEWAY_RATE_PER_MINUTE", LIFTED_RATE
        ),
    }


def sipmas(env: dict[str, str], *args: str) -> str:
    """``sipmas <args>`` as an operator runs it; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "sipmas_cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sipmas {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def create_users(env: dict[str, str], desa: str) -> dict[str, User]:
    """Dinsos staff with the whole district and a village operator of ``desa``."""
    made = {
        "dinsos": (["--role", "supervisor"], None),
        "operator": (["--role", "operator", "--desa", desa], [desa]),
    }
    users = {}
    for username, (options, desa_codes) in made.items():
        sipmas(env, "users", "--actor", "bench", "create", username, *options)
        token = sipmas(env, "users", "--actor", "bench", "token", username).strip().splitlines()[-1]
        scope = None if desa_codes is None else {"kecamatan_codes": [], "desa_codes": desa_codes}
        users[username] = User(username, token, scope)
    return users


# --- driving the load ----------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    seconds: float
    ok: bool


Request = Callable[[Any, Search], bool]  # (the client's connection, search) -> answered well?


def drive(
    clients: int,
    seconds: float,
    work: list[Search],
    connect: Callable[[], Any],
    request: Request,
    on_tick: Callable[[], None] = lambda: None,
) -> tuple[list[Outcome], float]:
    """``clients`` threads, each on its own connection, going round ``work`` (each from another
    place in it) until ``seconds`` have passed; every request's kind, time and success."""
    outcomes: list[list[Outcome]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        try:
            connection = connect()
        except BaseException:
            start.abort()  # the others (and the caller) stop waiting: the run fails
            raise
        mine = outcomes[number]
        position = number * len(work) // clients
        start.wait()
        try:
            while time.monotonic() < deadline[0]:
                search = work[position % len(work)]
                position += 1
                began = time.perf_counter()
                try:
                    ok = request(connection, search)
                except Exception:  # counted as an error; a fresh connection for the next
                    ok = False
                    _close(connection)
                    connection = connect()
                mine.append(Outcome(search.kind, time.perf_counter() - began, ok))
        finally:
            _close(connection)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    while any(t.is_alive() for t in threads):
        on_tick()
        for thread in threads:
            thread.join(0.5)
    return [o for mine in outcomes for o in mine], time.monotonic() - began


def paced(
    rate: float,
    seconds: float,
    work: list[Search],
    connect: Callable[[], Any],
    request: Request,
    clients: int = 8,
) -> tuple[list[Outcome], float]:
    """Requests sent at a fixed ``rate`` (open loop) for ``seconds``: request ``i`` is due at
    ``i / rate``, and its time is counted from then, not from when a client got to it — a
    gateway that falls behind shows it in the latency (no coordinated omission)."""
    total = int(rate * seconds)
    taken = iter(range(total))
    lock = threading.Lock()
    outcomes: list[Outcome] = []
    began = time.perf_counter() + 0.2

    def client() -> None:
        connection = connect()
        try:
            while True:
                with lock:
                    number = next(taken, None)
                if number is None:
                    return
                due = began + number / rate
                time.sleep(max(0.0, due - time.perf_counter()))
                search = work[number % len(work)]
                try:
                    ok = request(connection, search)
                except Exception:  # an error; a fresh connection for the next
                    ok = False
                    _close(connection)
                    connection = connect()
                outcome = Outcome(search.kind, time.perf_counter() - due, ok)
                with lock:
                    outcomes.append(outcome)
        finally:
            _close(connection)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, max(seconds, time.perf_counter() - began)


def _close(connection: Any) -> None:
    with suppress(Exception):  # already gone
        connection.close()


def http_connect(port: int) -> Callable[[], http.client.HTTPConnection]:
    return lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def gateway_search(tokens: dict[str, str]) -> Request:
    def request(connection: http.client.HTTPConnection, search: Search) -> bool:
        query = urllib.parse.urlencode(search.criteria)
        connection.request(
            "GET", f"{API}?{query}", headers={"Authorization": f"Bearer {tokens[search.user]}"}
        )
        response = connection.getresponse()
        body = response.read()
        return response.status == 200 and b'"households"' in body

    return request


def gateway_health(connection: http.client.HTTPConnection, search: Search) -> bool:
    connection.request("GET", "/health")
    response = connection.getresponse()
    response.read()
    return response.status == 200


def raw_sql(scopes: dict[str, Any]) -> tuple[Callable[[], Any], Request]:
    """A psycopg2 connection per client running ``searching.search_query``'s statement, with
    the criteria loaded as the registry loads them."""
    from services.registry.domain import scope as area
    from services.registry.schemas import SearchCriteria
    from services.registry.use_cases import search as searching

    dialect = postgresql.psycopg2.dialect()
    schema = SearchCriteria()
    url = sa.engine.make_url(settings.database_url("registry")).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)

    def connect() -> Any:
        connection = psycopg2.connect(dsn)
        connection.autocommit = True
        return connection

    def request(connection: Any, search: Search) -> bool:
        sql, params = searching.search_query(
            schema.load(search.criteria), area.parse(scopes[search.user])
        )
        compiled = sa.text(sql).bindparams(**params).compile(dialect=dialect)
        with connection.cursor() as cursor:
            cursor.execute(str(compiled), compiled.params)
            cursor.fetchall()
        return True

    return connect, request


# --- figures -------------------------------------------------------------------------------------


def figures(outcomes: list[Outcome], elapsed: float) -> dict[str, Any]:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    rows = {kind: _row(by_kind[kind], elapsed) for kind in sorted(by_kind)}
    return {"overall": _row(outcomes, elapsed), "kinds": rows, "seconds": elapsed}


def _row(outcomes: list[Outcome], elapsed: float) -> dict[str, Any]:
    times = [o.seconds for o in outcomes]
    return {
        "requests": len(outcomes),
        "per_second": len(outcomes) / elapsed if elapsed else 0.0,
        "errors": sum(not o.ok for o in outcomes),
        **{f"p{q}": percentile(times, q) for q in (50, 95, 99)},
    }


def print_phase(name: str, result: dict[str, Any]) -> None:
    print(f"\n{name}  ({result['seconds']:.1f} s)")
    print(
        f"  {'kind':<14} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>7}"
    )
    for kind, row in [*result["kinds"].items(), ("overall", result["overall"])]:
        print(
            f"  {kind:<14} {row['requests']:>9,} {row['per_second']:>8,.0f} {ms(row['p50']):>7} "
            f"{ms(row['p95']):>7} {ms(row['p99']):>7} {row['errors']:>7}"
        )
    if result.get("cpu"):
        print("  cpu seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result["cpu"].items()))


def cpu_meter(services: Services) -> CpuMeter:
    prefix = settings.database_url("{service}").rsplit("/", 1)[1].split("{service}")[0]
    return CpuMeter(
        services.meters()
        | {
            "postgres (these databases)": lambda _, cmd, line: cmd == "postgres" and prefix in line,
            "this benchmark (clients)": lambda pid, *_: pid == os.getpid(),
        }
    )


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- the run -------------------------------------------------------------------------------------


@contextmanager
def running(amqp_uri: str, port: int) -> Iterator[Services]:
    services = Services(
        SERVICES, service_env(amqp_uri, port), registry_import.CACHE / "search-logs", split=False
    )
    services.start(amqp_uri)
    try:
        yield services
    finally:
        services.stop()


def run(args: argparse.Namespace, amqp_uri: str) -> dict[str, Any]:
    fill_registry(args.people)
    people, households = registry_size()
    print(f"registry: {people:,} people in {households:,} households", flush=True)
    db.drop_database(settings.database_url("gateway"))
    system.migrate("gateway")
    topology.declare(amqp_uri)
    port = free_port()
    env = service_env(amqp_uri, port)
    users = create_users(env, busiest_desa())
    work = [
        search
        for number, user in enumerate(users.values())
        for search in sample_searches(user, SAMPLES_PER_USER, seed=11 + number)
    ]
    work = [search for search in work if search.kind in args.kinds]
    random.Random(7).shuffle(work)
    results: dict[str, Any] = {"people": people, "households": households, "phases": {}}
    print(f"{len(work):,} searches sampled; {args.clients} clients; {load_line()}", flush=True)

    connect, query = raw_sql({name: user.scope for name, user in users.items()})
    results["phases"]["raw_sql"] = measure(
        "raw SQL: the registry's statement on PostgreSQL (psycopg2)",
        args.clients,
        args.baseline_seconds,
        work,
        connect,
        query,
    )
    with running(amqp_uri, port) as services:
        tokens = {name: user.token for name, user in users.items()}
        measure(
            "warm-up (not counted)",
            args.clients,
            min(3.0, args.seconds),
            work,
            http_connect(port),
            gateway_search(tokens),
            quiet=True,
        )
        results["phases"]["raw_http"] = measure(
            "raw HTTP: GET /health of the gateway",
            args.clients,
            args.baseline_seconds,
            [Search("health", "", {})],
            http_connect(port),
            gateway_health,
        )
        search = gateway_search(tokens)
        results["phases"]["gateway"] = measure(
            "gateway search: GET /api/v1/households (auth, RPC, registry, audit)",
            args.clients,
            args.seconds,
            work,
            http_connect(port),
            search,
            meter=cpu_meter(services),
        )
        for rate in args.rates:
            outcomes, elapsed = paced(rate, args.seconds, work, http_connect(port), search)
            results["phases"][f"gateway_at_{rate:g}"] = figures(outcomes, elapsed)
            print_phase(
                f"gateway search at a fixed {rate:g}/s (open loop)", figures(outcomes, elapsed)
            )
    results["audit"] = sipmas(env, "audit", "verify").strip()
    return results


def measure(
    name: str,
    clients: int,
    seconds: float,
    work: list[Search],
    connect: Callable[[], Any],
    request: Request,
    meter: CpuMeter | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    if meter is not None:
        meter.start()
    outcomes, elapsed = drive(
        clients, seconds, work, connect, request, meter.sample if meter else lambda: None
    )
    result = figures(outcomes, elapsed)
    if meter is not None:
        result["cpu"] = meter.seconds()
    if not quiet:
        print_phase(name, result)
    return result


def summary(results: dict[str, Any]) -> int:
    errors = sum(p["overall"]["errors"] for p in results["phases"].values())
    at_rates = [p for p in results["phases"] if p.startswith("gateway_at_")]
    for phase in ["gateway", *at_rates]:
        what = (
            f"at a fixed {phase.removeprefix('gateway_at_')}/s"
            if phase in at_rates
            else "at full load"
        )
        gateway = results["phases"][phase]["overall"]
        met = "met" if gateway["p99"] < GOAL_P99_S else "NOT met"
        print(
            f"goal: gateway search p99 < {GOAL_P99_S * 1000:.0f} ms {what} — {met} "
            f"(p99 {ms(gateway['p99'])} ms, {gateway['per_second']:,.0f} searches/s)"
        )
    print(f"errors: {errors}; audit chain: {results['audit']}; {load_line()}")
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument(
        "--rates",
        type=lambda text: [float(rate) for rate in text.split(",")],
        default=[20.0, 50.0, 100.0, 150.0],
        help="searches/s of the fixed-rate phases (default 20,50,100,150)",
    )
    parser.add_argument(
        "--kinds",
        type=lambda text: text.split(","),
        default=list(KINDS),
        help=f"the kinds of search in the mix (default: {','.join(KINDS)})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    amqp_uri = settings.amqp_uri()
    print(f"household search — {machine(amqp_uri)}; {load_line()}", flush=True)
    with scratch_vhost(amqp_uri) as vhost:
        results = run(args, vhost)
    status = summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    sys.exit(status)


if __name__ == "__main__":
    main()
