"""Benchmark: household pages with a province-size registry (default 1,000,000 households).

Loads the real 湖南 regions, generates the households with the demo generator spread over the
villages of several counties, signs in a county persona with Django's test client, and times
200 requests each of: the list narrowed to one township, a pinyin-initials search, and the detail
page of random households. Target: p95 < 200 ms.

    .venv/bin/python bench/registry_pages.py [--households 1000000]
    .venv/bin/python bench/registry_pages.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench_pages
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, setup_django

COUNTIES = ["430523000000", "430524000000", "430525000000", "430527000000", "430528000000",
            "430522000000", "430581000000", "430582000000"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url, tmp = fresh_database(args.database_url, "minsheng-pages-")
    setup_django(url, tmp, MINSHENG_ALLOWED_HOSTS="testserver",
                 MINSHENG_SECURE_SSL_REDIRECT="0", MINSHENG_SECURE_COOKIES="0")
    from django.db import connection
    from django.test import Client

    from minsheng.demo import demo_regions_load
    from minsheng.regions.models import Region
    from minsheng.regions.services import AccountData, account_create
    from minsheng.registry.demo_data import demo_households_generate
    from minsheng.registry.models import Household

    demo_regions_load()
    start = time.perf_counter()
    per_county = args.households // len(COUNTIES)
    for i, county in enumerate(COUNTIES):
        demo_households_generate(county_code=county, count=per_county, seed=100 + i,
                                 batch_size=5000)
    gen_s = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Household.objects.count()
    password = "Bench-pass-2026"
    account_create(actor=None, data=AccountData(username="bench_county", display_name="b",
                                                role="county_office",
                                                region_codes=[COUNTIES[0]]), password=password)
    client = Client()
    assert client.post("/login/", {"username": "bench_county", "password": password}).status_code == 302
    township = Region.objects.filter(parent_id=COUNTIES[0]).order_by("code")[3]
    county_ids = list(Household.objects.filter(region__code__startswith=COUNTIES[0][:6])
                      .values_list("pk", flat=True)[:50000])
    rng = random.Random(1)

    def measure(label: str, make_path) -> tuple[str, float, float]:
        samples = []
        client.get(make_path())
        for _ in range(args.requests):
            path = make_path()
            t = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        samples.sort()
        return label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]

    client.get(f"/scope/?region={township.code}")
    results = [measure(f"list, one township ({township.name})", lambda: "/households/"),
               measure("list, pinyin initials search",
                       lambda: "/households/?q=" + rng.choice(["wj", "zm", "lf", "cxy", "ll"])),
               measure("list, page 20 of the township", lambda: "/households/?page=20")]
    client.get("/scope/")  # back to the whole county
    results.append(measure("detail of a random household",
                           lambda: f"/households/{rng.choice(county_ids)}/"))
    print(f"database: {connection.vendor}; {total:,} households generated in {gen_s:.0f} s; "
          f"{args.requests} requests each (Django test client, DEBUG off)\n")
    print("| page | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label, median, p95 in results:
        print(f"| {label} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
