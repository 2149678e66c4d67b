"""Benchmark: household pages with a province-size registry (default 1,000,000 households).

Loads the real 湖南 regions, generates the households with the demo generator
(``registry.demo_data``) spread over the villages of eight counties of 邵阳市, signs in a
county-office persona (邵阳县) with Django's test client (DEBUG off) and times, 200 requests
each: the list narrowed to one township (current region set through /scope/), a pinyin-initials
search in that township, page 20 of that list, the list and the search of the whole county, and
the detail page of random households of the county. Also times the generator (households/s).
Target: p95 < 200 ms.

    .venv/bin/python bench/registry_pages.py                  # SQLite in a temp file
    .venv/bin/python bench/registry_pages.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench_registry

The PostgreSQL database named in the URL is dropped and created, and dropped again at the end
(``--keep`` keeps it, and the SQLite file, for a look afterwards). ``--explain`` prints every
query of one request of each page with its plan. Prints Markdown. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, setup_django

COUNTY = "430523000000"  # 邵阳县: the persona's county
COUNTIES = [COUNTY, "430524000000", "430525000000", "430527000000", "430528000000",
            "430522000000", "430581000000", "430582000000"]
SEARCHES = ["wj", "zm", "lf", "cxy", "ll", "lhy", "zjg", "wf"]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def explain(client, path: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    print(f"\n### {path}: {len(ctx.captured_queries)} queries\n")
    for q in ctx.captured_queries:
        sql = q["sql"]
        print(f"- {q['time']} s: {sql[:600]}")
        if sql.lstrip().upper().startswith("SELECT"):
            prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql)
                for row in cursor.fetchall():
                    print("      " + " ".join(str(c) for c in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is re-created)")
    parser.add_argument("--explain", action="store_true", help="print queries and plans")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url, tmp = fresh_database(args.database_url, "minsheng-pages-")
    try:
        run(args, url, tmp)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(tmp, ignore_errors=True)
            if url.startswith("postgres"):
                name = url.rsplit("/", 1)[1]
                subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-q", "-c",
                                f'DROP DATABASE IF EXISTS "{name}"'], check=False)


def run(args: argparse.Namespace, url: str, tmp: Path) -> None:
    setup_django(url, tmp, MINSHENG_ALLOWED_HOSTS="testserver",
                 MINSHENG_SECURE_SSL_REDIRECT="0", MINSHENG_SECURE_COOKIES="0")
    from django.db import connection
    from django.test import Client

    from minsheng.demo import demo_regions_load
    from minsheng.regions.codes import RegionLevel
    from minsheng.regions.models import Region
    from minsheng.regions.services import AccountData, account_create
    from minsheng.registry.demo_data import demo_households_generate
    from minsheng.registry.models import Household, Member

    demo_regions_load()
    start = time.perf_counter()
    per_county, extra = divmod(args.households, len(COUNTIES))
    for i, county in enumerate(COUNTIES):
        demo_households_generate(county_code=county, count=per_county + (i < extra),
                                 seed=100 + i, batch_size=5000)
    gen_s = time.perf_counter() - start
    if connection.vendor == "postgresql":  # as autovacuum leaves it; not during the timing
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    total, members = Household.objects.count(), Member.objects.count()
    password = "Bench-pass-2026"
    account_create(actor=None, data=AccountData(username="bench_county", display_name="县业务员",
                                                role="county_office", region_codes=[COUNTY]),
                   password=password)
    client = Client()
    response = client.post("/login/", {"username": "bench_county", "password": password})
    assert response.status_code == 302, response.status_code
    townships = Region.objects.filter(parent_id=COUNTY, level=RegionLevel.TOWNSHIP)
    township = townships.order_by("code")[3]
    lo, hi = township.bounds
    in_township = Household.objects.filter(region_id__gte=lo, region_id__lte=hi).count()
    county_lo, county_hi = Region.objects.get(code=COUNTY).bounds
    county_ids = list(Household.objects.filter(region_id__gte=county_lo, region_id__lte=county_hi)
                      .values_list("pk", flat=True))
    rng = random.Random(1)
    searches = ["/households/?q=" + q for q in SEARCHES]

    def measure(label: str, make_path: Callable[[], str],
                warm: list[str] | None = None) -> tuple[str, float, float]:
        for path in warm or [make_path()]:  # warm-up: each distinct page once
            client.get(path)
        samples = []
        for _ in range(args.requests):
            path = make_path()
            t = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        samples.sort()
        p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
        return label, statistics.median(samples), p95

    def scope(code: str) -> None:
        assert client.get(f"/scope/?region={code}").status_code in (200, 302)

    scope(township.code)
    results = [
        measure(f"list narrowed to one township ({township.name}, {in_township:,} households)",
                lambda: "/households/"),
        measure("list, pinyin-initials search in that township",
                lambda: "/households/?q=" + rng.choice(SEARCHES), searches),
        measure("list, page 20 of that township", lambda: "/households/?page=20"),
    ]
    scope(COUNTY)
    results += [
        measure(f"list of the whole county ({len(county_ids):,} households)",
                lambda: "/households/"),
        measure("list, pinyin-initials search in the whole county",
                lambda: "/households/?q=" + rng.choice(SEARCHES), searches),
        measure("detail of a random household of the county",
                lambda: f"/households/{rng.choice(county_ids)}/"),
    ]
    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}; {total:,} households, {members:,} members generated "
          f"in {gen_s:.0f} s ({total / gen_s:,.0f} households/s); {args.requests} requests each "
          "(Django test client, DEBUG off)\n")
    print("| page | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label, median, p95 in results:
        print(f"| {label} | {median:.1f} | {p95:.1f} |")
    if args.explain:
        scope(township.code)
        explain(client, "/households/")
        explain(client, "/households/?q=" + SEARCHES[0])
        scope(COUNTY)
        explain(client, f"/households/{county_ids[len(county_ids) // 2]}/")


if __name__ == "__main__":
    main()
