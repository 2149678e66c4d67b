"""Benchmark: region subtree queries at national scale (600,000+ villages).

Builds a synthetic tree shaped like China's (31 provinces, 341 cities, ~3,000 counties,
~43,000 townships, ~690,000 villages, real code structure) in a fresh database, then times the
queries every page runs: villages in a subtree, `visible_to` for county and province staff,
children of a township, ancestors of a village. Also times loading the real 湖南 list.

    .venv/bin/python bench/region_subtree.py                       # SQLite (temp file)
    .venv/bin/python bench/region_subtree.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench

Prints a Markdown table (median and p95 in milliseconds). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str, var_dir: str) -> None:
    os.environ["MINSHENG_DEBUG"] = "1"
    os.environ["MINSHENG_DATABASE_URL"] = database_url
    os.environ["MINSHENG_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def recreate_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)


def build_tree(shape: tuple[int, int, int, int, int]) -> dict[str, int]:
    from django.db import transaction

    from minsheng.regions.models import Region

    provinces, cities, counties, townships, villages = shape
    counts = dict.fromkeys(range(1, 6), 0)
    batch: list[Region] = []

    def add(code: str, name: str, level: int, parent: str | None) -> None:
        batch.append(Region(code=code, name=name, level=level, parent_id=parent))
        counts[level] += 1
        if len(batch) >= 5000:
            Region.objects.bulk_create(batch)
            batch.clear()

    with transaction.atomic():
        for p in range(provinces):
            pc = f"{11 + p:02d}"
            add(pc.ljust(12, "0"), f"省{p}", 1, None)
        Region.objects.bulk_create(batch)
        batch.clear()
        for p in range(provinces):
            pc = f"{11 + p:02d}"
            for c in range(cities):
                cc = f"{pc}{c + 1:02d}"
                add(cc.ljust(12, "0"), f"市{p}-{c}", 2, pc.ljust(12, "0"))
        Region.objects.bulk_create(batch)
        batch.clear()
        for p in range(provinces):
            for c in range(cities):
                cc = f"{11 + p:02d}{c + 1:02d}"
                for k in range(counties):
                    kc = f"{cc}{k + 21:02d}"
                    add(kc.ljust(12, "0"), f"县{k}", 3, cc.ljust(12, "0"))
        Region.objects.bulk_create(batch)
        batch.clear()
        for p in range(provinces):
            for c in range(cities):
                for k in range(counties):
                    kc = f"{11 + p:02d}{c + 1:02d}{k + 21:02d}"
                    for t in range(townships):
                        tc = f"{kc}{t + 100:03d}"
                        add(tc.ljust(12, "0"), f"镇{t}", 4, kc.ljust(12, "0"))
        Region.objects.bulk_create(batch)
        batch.clear()
        for p in range(provinces):
            for c in range(cities):
                for k in range(counties):
                    kc = f"{11 + p:02d}{c + 1:02d}{k + 21:02d}"
                    for t in range(townships):
                        tc = f"{kc}{t + 100:03d}"
                        for v in range(villages):
                            add(f"{tc}{v + 201:03d}", f"村{v}", 5, tc.ljust(12, "0"))
        Region.objects.bulk_create(batch)
    return counts


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is recreated)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--small", action="store_true", help="a small tree (smoke run)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="minsheng-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    if url.startswith("postgres"):
        recreate_postgres(url)
    setup_django(url, tmp)

    from django.db import connection

    from minsheng.core.models import User
    from minsheng.regions.models import Region, RegionAssignment

    shape = (2, 3, 3, 4, 5) if args.small else (31, 11, 9, 14, 16)
    start = time.perf_counter()
    counts = build_tree(shape)
    build_s = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE regions_region")

    county = Region.objects.filter(level=3).order_by("code")[counts[3] // 2]
    city = county.parent
    province = city.parent
    township = Region.objects.filter(level=4, parent=county).order_by("code").first()
    village = Region.objects.filter(level=5, parent=township).order_by("code").last()
    county_user = User.objects.create(username="bench_county", role="county_office")
    RegionAssignment.objects.create(user=county_user, region=county)
    province_user = User.objects.create(username="bench_province", role="county_office")
    RegionAssignment.objects.create(user=province_user, region=province)

    def fresh(user: User) -> User:
        return User.objects.get(pk=user.pk)  # no cached scope: the real per-request cost

    cases: list[tuple[str, Callable[[], object]]] = [
        ("villages under a province (count)",
         lambda: Region.objects.within(province).filter(level=5).count()),
        ("villages under a city (count)",
         lambda: Region.objects.within(city).filter(level=5).count()),
        ("villages under a county (count)",
         lambda: Region.objects.within(county).filter(level=5).count()),
        ("villages under a township (count)",
         lambda: Region.objects.within(township).filter(level=5).count()),
        ("visible_to county staff: count",
         lambda: Region.objects.visible_to(fresh(county_user)).count()),
        ("visible_to province staff: count",
         lambda: Region.objects.visible_to(fresh(province_user)).count()),
        ("visible_to province staff: first page of 50",
         lambda: list(Region.objects.visible_to(fresh(province_user)).order_by("code")[:50])),
        ("children of a township",
         lambda: list(Region.objects.visible_to(fresh(county_user)).filter(parent=township))),
        ("ancestors of a village", lambda: village.ancestors()),
    ]
    rows = []
    for label, fn in cases:
        median, p95 = timed(fn, args.repeat)
        rows.append((label, median, p95))

    hunan_ms = None
    if not args.small:
        from django.db import transaction

        from minsheng.demo import DEMO_FILES, DEMO_REGION_DIR
        from minsheng.regions.services import regions_load

        # The real 湖南 list into the same (national-size) table, rolled back afterwards:
        # code 43 is outside the synthetic range (11..41).
        start = time.perf_counter()
        with transaction.atomic():
            regions_load(actor=None, paths=[DEMO_REGION_DIR / f"{n}.csv.gz" for n in DEMO_FILES])
            hunan_ms = (time.perf_counter() - start) * 1000
            transaction.set_rollback(True)

    print(f"database: {connection.vendor}; regions by level: {counts}; "
          f"tree built in {build_s:.1f} s; {args.repeat} runs each\n")
    print("| query | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label, median, p95 in rows:
        print(f"| {label} | {median:.2f} | {p95:.2f} |")
    if hunan_ms is not None:
        print(f"\nregions_load of the real 湖南省 list (31,691 rows) into the national table: "
              f"{hunan_ms / 1000:.1f} s")


if __name__ == "__main__":
    main()
