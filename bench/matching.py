"""Benchmark of 人岗匹配: ranked candidates for one posting, and every posting in one batch.

One county (邵阳县) holds ``--seekers`` job seekers — labour-force members with skills and wishes
(``LabourProfile``) — and ``--postings`` open postings. Households come from the demo generator
until the county's labour force reaches the number of seekers; each labour-force member gets a
profile (an intended trade out of 30, skills for half of them, an acceptable distance for most);
every village gets made-up coordinates, 2 % of the seekers' households a monitoring case in
监测中 (监测对象, first in the ranking), and 200 enterprises the postings (trades from the same
30, sites spread over the county).

Measured (``--samples`` postings, after one warm-up call):
  - ``candidates_for`` with the default 50 shown, and with the "within 5 km" filter: median
    and 90th percentile;
  - ``match_all``: every open posting of the county, the best 20 of each.

  .venv/bin/python bench/matching.py [--seekers 200000] [--postings 5000] [--database-url URL]
                                     [--reuse]
"""

# ruff: noqa: S608
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database, setup_django

COUNTY = "430523000000"  # 邵阳县
TRADES = ["缝纫工", "电焊工", "竹编", "油茶采摘", "电子装配", "电商客服", "普工", "厨师", "保洁",
          "建筑小工", "叉车司机", "家政服务员", "木工", "瓦工", "钢筋工", "水电工", "装卸工",
          "快递分拣员", "保安", "服务员", "月嫂", "育婴员", "养老护理员", "茶叶采摘", "果蔬种植",
          "生猪养殖", "驾驶员", "仓库管理员", "面点师", "美容美发"]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seekers", type=int, default=200_000)
    parser.add_argument("--postings", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is re-created)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database and reuse it in later runs")
    args = parser.parse_args()
    if args.reuse:
        tmp = Path(__file__).resolve().parents[1] / "var" / "bench"
        tmp.mkdir(parents=True, exist_ok=True)
        url = args.database_url or f"sqlite:///{tmp}/matching-{args.seekers}.sqlite3"
        if url.startswith("postgres"):
            name, admin = url.rsplit("/", 1)[1], url.rsplit("/", 1)[0] + "/postgres"
            exists = subprocess.run(["psql", admin, "-Atc", "SELECT 1 FROM pg_database WHERE "
                                     f"datname = '{name}'"],
                                    check=True, capture_output=True, text=True).stdout.strip()
            if not exists:
                subprocess.run(["psql", admin, "-q", "-c", f'CREATE DATABASE "{name}"'],
                               check=True)
    else:
        url, tmp = fresh_database(args.database_url, "minsheng-matching-")
    try:
        run(args, url, tmp)
    finally:
        if not args.reuse:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(tmp, ignore_errors=True)
            if url.startswith("postgres"):
                name = url.rsplit("/", 1)[1]
                subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-q", "-c",
                                f'DROP DATABASE IF EXISTS "{name}"'], check=False)


def generate(args: argparse.Namespace) -> str:
    from django.db import connection, transaction
    from django.utils import timezone
    from stdnum.cn import uscc

    from minsheng.demo import demo_regions_load
    from minsheng.employment.choices import PostingStatus
    from minsheng.employment.matching import profile_keys_rebuild
    from minsheng.employment.models import (
        Enterprise,
        JobPosting,
        LabourProfile,
        VillageLocation,
    )
    from minsheng.employment.selectors import labour_force_q
    from minsheng.regions.codes import subtree_bounds
    from minsheng.regions.models import Region
    from minsheng.registry.demo_data import demo_households_generate
    from minsheng.registry.models import Member

    start = time.perf_counter()
    rng = random.Random(2026)
    today = timezone.localdate()
    demo_regions_load()
    lo, hi = subtree_bounds(COUNTY, 3)
    made, seed = 0, 500
    while True:
        q = labour_force_q([(lo, hi)], today)
        labour = Member.objects.filter(q).count() if q is not None else 0
        if labour >= args.seekers:
            break
        per = max(1.0, labour / made) if made else 2.0
        count = int((args.seekers - labour) / per * 1.02) + 100
        demo_households_generate(county_code=COUNTY, count=count, seed=seed, batch_size=5000)
        made += count
        seed += 1
    ids = list(Member.objects.filter(q).order_by("id")
               .values_list("id", "household__region_id", "household_id")[:args.seekers])
    villages = list(Region.objects.filter(level=5, code__gte=lo, code__lte=hi)
                    .values_list("code", flat=True))
    with transaction.atomic():
        VillageLocation.objects.bulk_create([
            VillageLocation(region_id=v, lng=Decimal(111_000_000 + rng.randrange(600_000))
                            / 1_000_000, lat=Decimal(26_800_000 + rng.randrange(500_000))
                            / 1_000_000, source="基准测试")
            for v in villages], batch_size=5000)
        rows = []
        for member_id, village, _household in ids:
            skills = rng.choice(TRADES) if rng.random() < 0.5 else ""
            rows.append(LabourProfile(
                member_id=member_id, region_id=village, intended_trade=rng.choice(TRADES),
                skills=skills, certificates=f"{skills}证" if skills and rng.random() < 0.2 else "",
                intended_place=rng.choice(["", "", "县内", "本乡镇"]),
                max_distance_km=rng.choice([None, 5, 10, 20, 50])))
            if len(rows) == 10_000:
                LabourProfile.objects.bulk_create(rows)
                rows = []
        LabourProfile.objects.bulk_create(rows)
        profile_keys_rebuild(lo=lo, hi=hi)
        monitoring_objects()
        county = Region.objects.get(code=COUNTY)
        enterprises = []
        for i in range(200):
            body = "91" + COUNTY[:6] + f"{i:09d}"
            enterprises.append(Enterprise(uscc=body + uscc.calc_check_digit(body + "0"),
                                          name=f"基准测试企业{i}", region=county))
        Enterprise.objects.bulk_create(enterprises)
        enterprises = list(Enterprise.objects.filter(region=county).order_by("id"))
        JobPosting.objects.bulk_create([
            JobPosting(enterprise=enterprises[i % len(enterprises)], county=county,
                       title=f"岗位{i}", trade=TRADES[i % len(TRADES)], place="县工业园",
                       lng=Decimal(111_000_000 + rng.randrange(600_000)) / 1_000_000,
                       lat=Decimal(26_800_000 + rng.randrange(500_000)) / 1_000_000,
                       headcount=1 + i % 10, valid_from=today - dt.timedelta(days=10),
                       valid_to=today + dt.timedelta(days=170), status=PostingStatus.OPEN)
            for i in range(args.postings)], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return f"generated in {time.perf_counter() - start:.0f} s"


def monitoring_objects() -> int:
    """2 % of the seekers' households (id divisible by 50) as 监测对象: a case in 监测中.
    Added once (also to a database generated before matching read the cases)."""
    from django.utils import timezone

    from minsheng.employment.models import LabourProfile
    from minsheng.monitoring.models import CaseStatus, MonitoringCase

    if MonitoringCase.objects.exists():
        return 0
    now = timezone.now()
    pairs = dict(LabourProfile.objects.values_list("member__household_id", "region_id"))
    cases = [MonitoringCase(household_id=h, region_id=v, status=CaseStatus.MONITORING,
                            step_started_at=now) for h, v in pairs.items() if h % 50 == 0]
    MonitoringCase.objects.bulk_create(cases, batch_size=5000)
    return len(cases)


def run(args: argparse.Namespace, url: str, tmp: Path) -> None:
    setup_django(url, tmp)
    from django.db import connection

    from minsheng.core.models import User
    from minsheng.employment import matching
    from minsheng.employment.models import JobPosting, LabourProfile
    from minsheng.regions.services import AccountData, account_create
    from minsheng.registry.models import Household, Member

    generated = "reused" if JobPosting.objects.exists() else generate(args)
    monitoring_objects()
    actor = User.objects.filter(username="bench_county").first() or account_create(
        actor=None, data=AccountData(username="bench_county", display_name="县人社业务员",
                                     role="county_office", region_codes=[COUNTY]),
        password="Bench-pass-2026")
    print(f"{connection.vendor}, {machine()}")
    print(f"{Household.objects.count():,} households, {Member.objects.count():,} members, "
          f"{LabourProfile.objects.count():,} seekers (profiles), "
          f"{JobPosting.objects.count():,} postings ({generated})")
    postings = list(JobPosting.objects.order_by("id"))
    sample = random.Random(7).sample(postings, min(args.samples, len(postings)))
    matching.candidates_for(actor=actor, posting=sample[0])  # warm-up (parameters, caches)

    def timed(within: float | None) -> tuple[list[float], list[int]]:
        times, totals = [], []
        for p in sample:
            start = time.perf_counter()
            result = matching.candidates_for(actor=actor, posting=p, within_km=within)
            times.append((time.perf_counter() - start) * 1000)
            totals.append(result.total)
        return times, totals

    for label, within in (("ranked candidates (50 shown)", None),
                          ("ranked candidates within 5 km", 5.0)):
        times, totals = timed(within)
        times.sort()
        print(f"{label}: median {statistics.median(times):.0f} ms, p90 "
              f"{times[int(len(times) * 0.9) - 1]:.0f} ms, max {times[-1]:.0f} ms over "
              f"{len(times)} postings; candidates per posting median "
              f"{statistics.median(totals):,.0f}")
    start = time.perf_counter()
    batch = matching.match_all(actor=actor, county=COUNTY, limit=20)
    took = time.perf_counter() - start
    print(f"batch (match_all, best 20 of each): {batch.postings:,} postings, {batch.seekers:,} "
          f"seekers loaded, {batch.candidates:,} candidate pairs in {took:.1f} s")


if __name__ == "__main__":
    main()
