"""Benchmark: region subtree queries at national scale (600,000+ villages).

Builds a synthetic tree shaped like China's — the 31 real province codes, 340 cities, 2,800
counties, 38,000 townships, 620,000 villages, with the NBS code structure (districts 01–20,
counties 21–80, county-level cities 81+; 街道 001–099, 镇 100–199, 乡 200+; 居委会 001–199,
村委会 201+) and uneven, seeded fan-out — in a fresh database through bulk inserts into the
real ``Region`` model. Then it times the queries pages run, on the largest province, city,
county and township (the worst case): villages in a subtree, ``visible_to`` for county and
province staff, children of a township, ancestors of a village. Before the synthetic tree it
times ``regions_load`` of the real 湖南 list into the empty table (and the idempotent reload).

    .venv/bin/python bench/region_subtree.py                       # SQLite (temp file)
    .venv/bin/python bench/region_subtree.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench

The PostgreSQL database named in the URL is dropped and created again, and dropped at the end.
Prints Markdown tables (median and p95 in milliseconds). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database

if TYPE_CHECKING:
    from minsheng.regions.models import Region

PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
             "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
             "63", "64", "65"]
NATIONAL = (31, 340, 2_800, 38_000, 620_000)
SMALL = (3, 8, 30, 300, 4_000)
MUNICIPALITIES = {"11", "12", "31", "50"}  # 直辖市: one or two "cities" (市辖区, 县)


# --- The synthetic tree ---------------------------------------------------------------------


def split(total: int, parents: int, rng: random.Random, *, low: int, high: int,
          sigma: float) -> list[int]:
    """``total`` children over ``parents`` with uneven (log-normal) weights, each in
    [low, high]; exact sum."""
    assert low * parents <= total <= high * parents
    weights = [rng.lognormvariate(0, sigma) for _ in range(parents)]
    scale = (total - low * parents) / sum(weights)
    counts = [min(high, low + int(w * scale)) for w in weights]
    while (missing := total - sum(counts)) != 0:
        step = 1 if missing > 0 else -1
        for i in sorted(range(parents), key=lambda i: -weights[i] * step):
            if low <= counts[i] + step <= high:
                counts[i] += step
                missing -= step
                if missing == 0:
                    break
    return counts


def numbering(count: int, ranges: list[tuple[int, int]], split_at: float, width: int,
              rng: random.Random) -> list[str]:
    """``count`` child numbers: a share in the first range (districts, 街道, 居委会), the rest
    in the following ones (counties and county-level cities, 镇 and 乡, 村委会)."""
    sizes = [hi - lo + 1 for lo, hi in ranges]
    first = min(count, sizes[0], round(count * split_at * rng.random() * 2))
    first = max(first, count - sum(sizes[1:]))
    assert first <= sizes[0], "too many children for the code space"
    numbers = list(range(ranges[0][0], ranges[0][0] + first))
    rest = count - first
    for lo, hi in ranges[1:]:
        take = min(rest, hi - lo + 1)
        numbers += range(lo, lo + take)
        rest -= take
    assert rest == 0, "too many children for the code space"
    return [f"{n:0{width}d}" for n in numbers]


@dataclass
class Tree:
    counts: dict[int, int]
    seconds: float


def build_tree(shape: tuple[int, int, int, int, int], seed: int) -> Tree:
    from django.db import transaction

    from minsheng.regions.models import Region

    rng = random.Random(seed)
    n_prov, n_city, n_county, n_town, n_village = shape
    provinces = PROVINCES[:n_prov]
    counts = dict.fromkeys(range(1, 6), 0)
    batch: list[Region] = []

    def add(code: str, name: str, level: int, parent: str | None) -> None:
        batch.append(Region(code=code.ljust(12, "0"), name=name, level=level,
                            parent_id=parent.ljust(12, "0") if parent else None))
        counts[level] += 1
        if len(batch) >= 5000:
            flush()

    def flush() -> None:
        Region.objects.bulk_create(batch)
        batch.clear()

    start = time.perf_counter()
    with transaction.atomic():
        for p in provinces:
            add(p, f"{p}省", 1, None)
        flush()
        per_prov = split(n_city, n_prov, rng, low=1, high=30, sigma=0.45)
        for i, p in enumerate(provinces):
            if p in MUNICIPALITIES:  # keep 直辖市 small, give the rest to a neighbour
                extra, per_prov[i] = per_prov[i] - min(2, per_prov[i]), min(2, per_prov[i])
                per_prov[(i + 1) % n_prov] += extra
        cities = [f"{p}{n}" for p, k in zip(provinces, per_prov, strict=True)
                  for n in numbering(k, [(1, 60)], 1.0, 2, rng)]
        for c in cities:
            add(c, f"{c}市", 2, c[:2])
        flush()
        per_city = split(n_county, len(cities), rng, low=1, high=60, sigma=0.5)
        counties = [f"{c}{n}" for c, k in zip(cities, per_city, strict=True)
                    for n in numbering(k, [(2, 20), (21, 80), (81, 99)], 0.3, 2, rng)]
        for k in counties:
            add(k, f"{k}县", 3, k[:4])
        flush()
        per_county = split(n_town, len(counties), rng, low=1, high=120, sigma=0.5)
        towns = [f"{k}{n}" for k, t in zip(counties, per_county, strict=True)
                 for n in numbering(t, [(1, 99), (100, 199), (200, 399)], 0.2, 3, rng)]
        for t in towns:
            add(t, f"{t}镇", 4, t[:6])
        flush()
        per_town = split(n_village, len(towns), rng, low=1, high=380, sigma=0.6)
        for t, v in zip(towns, per_town, strict=True):
            for n in numbering(v, [(1, 199), (201, 399)], 0.15, 3, rng):
                add(f"{t}{n}", f"{t}{n}村", 5, t)
        flush()
    return Tree(counts, time.perf_counter() - start)


# --- Timing ---------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    result: str
    median: float
    p95: float


def timed(label: str, fn: Callable[[], object], repeat: int) -> Timing:
    result = fn()  # warm-up (and the value shown in the table)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
    shown = f"{len(result):,} rows" if isinstance(result, list) else f"{result:,}"
    return Timing(label, shown, statistics.median(samples), p95)


def time_hunan_load(repeat: int) -> list[Timing]:
    """``regions_load`` of the real 湖南 list into the empty table, then the reload, each in a
    transaction rolled back afterwards."""
    from django.db import transaction

    from minsheng.demo import DEMO_FILES, DEMO_REGION_DIR
    from minsheng.regions.services import regions_load

    paths = [DEMO_REGION_DIR / f"{name}.csv.gz" for name in DEMO_FILES]
    first, again = [], []
    for _ in range(repeat):
        with transaction.atomic():
            start = time.perf_counter()
            report = regions_load(actor=None, paths=paths)
            first.append(time.perf_counter() - start)
            assert report.added == 31691, report.summary()
            start = time.perf_counter()
            report = regions_load(actor=None, paths=paths)
            again.append(time.perf_counter() - start)
            assert report.unchanged == 31691, report.summary()
            transaction.set_rollback(True)
    return [
        Timing("regions_load 湖南 into an empty table (31,691 added)", "31,691",
               statistics.median(first) * 1000, max(first) * 1000),
        Timing("regions_load 湖南 again (31,691 unchanged)", "0 changed",
               statistics.median(again) * 1000, max(again) * 1000),
    ]


def largest(level: int, within: Region | None = None) -> Region:
    """The region of ``level`` with the most villages (inside ``within``)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from minsheng.regions.codes import PREFIX_LENGTH, RegionLevel
    from minsheng.regions.models import Region

    length = PREFIX_LENGTH[RegionLevel(level)]
    villages = Region.objects.filter(level=5)
    if within is not None:
        villages = villages.within(within)
    top = (villages.annotate(prefix=Substr("code", 1, length)).values("prefix")
           .annotate(n=Count("code")).order_by("-n", "prefix").first())
    return Region.objects.get(code=top["prefix"].ljust(12, "0"))


def time_queries(repeat: int) -> tuple[list[Timing], dict[str, str]]:
    from minsheng.core.models import User
    from minsheng.regions.models import Region, RegionAssignment
    from minsheng.regions.scoping import forget_scope
    from minsheng.regions.selectors import region_children, region_counts

    province = largest(1)
    city = largest(2, province)
    county = largest(3, city)
    township = largest(4, county)
    village = Region.objects.filter(parent=township).order_by("code").last()
    county_user = User.objects.create(username="bench_county", role="county_office")
    RegionAssignment.objects.create(user=county_user, region=county)
    province_user = User.objects.create(username="bench_province", role="county_office")
    RegionAssignment.objects.create(user=province_user, region=province)

    def fresh(user: User) -> User:
        forget_scope(user)  # the scope lookup (one query) as on every request
        return user

    def villages(region: Region) -> Callable[[], int]:
        return lambda: Region.objects.within(region).filter(level=5).count()

    cases: list[tuple[str, Callable[[], object]]] = [
        ("villages under the largest province (count)", villages(province)),
        ("villages under its largest city (count)", villages(city)),
        ("villages under its largest county (count)", villages(county)),
        ("villages under its largest township (count)", villages(township)),
        ("`visible_to` county staff: count",
         lambda: Region.objects.visible_to(fresh(county_user)).count()),
        ("`visible_to` county staff: first page of 50",
         lambda: list(Region.objects.visible_to(fresh(county_user)).order_by("code")[:50])),
        ("`visible_to` province staff: count",
         lambda: Region.objects.visible_to(fresh(province_user)).count()),
        ("`visible_to` province staff: first page of 50",
         lambda: list(Region.objects.visible_to(fresh(province_user)).order_by("code")[:50])),
        ("`region_counts` by level, province staff (home page)",
         lambda: sum(region_counts(actor=fresh(province_user)).values())),
        ("children of a township (`region_children`, county staff)",
         lambda: list(region_children(actor=fresh(county_user), parent=township))),
        ("ancestors of a village (`Region.ancestors()`)", lambda: village.ancestors()),
    ]
    picked = {"province": province.code, "city": city.code, "county": county.code,
              "township": township.code, "village": village.code}
    return [timed(label, fn, repeat) for label, fn in cases], picked


def explain_all(picked: dict[str, str]) -> None:
    """The plans of the village counts (the COUNT query itself, not a SELECT of the rows)."""
    from django.db import connection

    from minsheng.regions.models import Region

    prefix = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    for key in ("province", "township"):
        region = Region.objects.get(code=picked[key])
        sql, params = (Region.objects.within(region).filter(level=5).order_by()
                       .values("code").query.sql_with_params())
        with connection.cursor() as cursor:
            # The SQL is Django's own, parameters kept apart.
            cursor.execute(f"{prefix} SELECT COUNT(*) FROM ({sql}) AS subtree", params)  # noqa: S608
            plan = "\n".join(" ".join(str(col) for col in row) for row in cursor.fetchall())
        print(f"\nEXPLAIN villages under the {key} ({region.code}):\n{plan}")


# --- Main -----------------------------------------------------------------------------------


def machine() -> str:
    model = ""
    if shutil.which("lscpu"):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True,
                                   check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    return f"{os.cpu_count()} cores ({model or platform.processor() or 'unknown CPU'})"


def table(rows: Iterator[Timing] | list[Timing]) -> str:
    lines = ["| measurement | result | median ms | p95 ms |", "|---|---:|---:|---:|"]
    lines += [f"| {t.label} | {t.result} | {t.median:.2f} | {t.p95:.2f} |" for t in rows]
    return "\n".join(lines)


def drop_postgres(url: str) -> None:
    from django.db import connections

    connections.close_all()
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is recreated)")
    parser.add_argument("--repeat", type=int, default=200, help="runs per query (default 200)")
    parser.add_argument("--load-repeat", type=int, default=3,
                        help="runs of the 湖南 load (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="shape of the synthetic tree")
    parser.add_argument("--small", action="store_true", help="a small tree (smoke run)")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url, tmp = fresh_database(args.database_url, "minsheng-bench-")
    # Settings from the environment, as the brief for benchmarks says: debug mode (no secret
    # key needed), the database URL, then migrate. The query log is switched off below.
    os.environ.update({"MINSHENG_DEBUG": "1", "MINSHENG_DATABASE_URL": url,
                       "MINSHENG_VAR_DIR": str(tmp), "MINSHENG_TASK_BACKEND": "immediate",
                       "DJANGO_SETTINGS_MODULE": "minsheng.settings"})
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no per-query logging while timing
    try:
        loads = [] if args.small else time_hunan_load(args.load_repeat)
        tree = build_tree(SMALL if args.small else NATIONAL, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum does after a bulk load
                cursor.execute("VACUUM ANALYZE regions_region")
        rows, picked = time_queries(args.repeat)
        with connection.cursor() as cursor:
            version = (cursor.execute("select sqlite_version()").fetchone()[0]
                       if connection.vendor == "sqlite"
                       else cursor.execute("show server_version").fetchone()[0])
        levels = " / ".join(f"{tree.counts[level]:,}" for level in range(1, 6))
        print(f"database: {connection.vendor} {version}; machine: {machine()}")
        print(f"regions by level (省/市/县/乡/村): {levels}; built in {tree.seconds:.1f} s "
              f"(bulk_create, one transaction); {args.repeat} runs per query after a warm-up")
        print("measured on: " + ", ".join(f"{k} {v}" for k, v in picked.items()) + "\n")
        print(table(rows))
        if loads:
            print(f"\n{args.load_repeat} runs each (p95 column = slowest run):\n")
            print(table(loads))
        if args.explain:
            explain_all(picked)
    finally:
        if args.keep:
            print(f"\ndatabase kept: {url}")
        else:
            if url.startswith("postgres"):
                drop_postgres(url)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
