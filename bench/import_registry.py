"""Benchmark: importing a province-size registry file end to end.

Generates an .xlsx in the import template's layout (default 100,000 households, about 350,000
member rows) from the demo generator, then, in a fresh database with the real 湖南 regions and
a county persona, measures:

1. python-calamine alone reading the file (the floor: reading is unavoidable);
2. the whole import as a user runs it: upload → validate (dry run, preview counts) → apply;
3. peak memory (max RSS) of the process, in MiB (1 MiB = 1,048,576 bytes). For large files the
   import checks rows on a forked second process; the figure is the larger of the two (their
   shared pages count once in each).

Target: total ≤ 3 × the calamine read time; peak memory < 1.5 GB, read as 1,536 MiB (calamine
alone holds about 1,416 MiB for the 100,000-household sheet, above 1.5 × 10⁹ bytes).

    .venv/bin/python bench/import_registry.py [--households 100000]
    .venv/bin/python bench/import_registry.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench_import
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url, tmp = fresh_database(args.database_url, "minsheng-import-")
    setup_django(url, tmp)
    import django
    from django.db import transaction

    from minsheng.core.batches import ImportBatch
    from minsheng.demo import COUNTY, demo_regions_load
    from minsheng.regions.services import AccountData, account_create
    from minsheng.registry.demo_data import demo_households_generate
    from minsheng.registry.excel import export_workbook
    from minsheng.registry.models import Household, Member

    demo_regions_load()
    actor = account_create(actor=None, data=AccountData(
        username="bench_county", display_name="bench", role="county_office",
        region_codes=[COUNTY]), password="Bench-pass-2026")

    # 1. Make the file: generate households, export them in the template layout, roll back.
    start = time.perf_counter()
    path = tmp / "registry.xlsx"
    with transaction.atomic():
        demo_households_generate(county_code=COUNTY, count=args.households, seed=99)
        households = Household.objects.select_related("region", "region__parent").order_by("pk")
        handle, rows = export_workbook(households.iterator(chunk_size=2000), reveal=True)
        path.write_bytes(handle.read())
        transaction.set_rollback(True)
    make_s = time.perf_counter() - start
    assert not Member.objects.exists()

    # 2. The floor: python-calamine reading every cell, in a child process of its own.
    env = {**os.environ}
    start = time.perf_counter()
    cells = int(subprocess.run(
        [sys.executable, "-c", "import sys; from python_calamine import CalamineWorkbook; "
         "s = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0); "
         "print(sum(len(r) for r in s.iter_rows()))", str(path)],
        capture_output=True, text=True, check=True).stdout)
    read_s = time.perf_counter() - start
    read_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    # 3. End to end through the CLI, as an operator runs it (upload, validate, apply), in a
    #    child process so its time and peak memory are its own.
    start = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).parent / "minsheng"), "import", "registry",
                             str(path), "--user", actor.username], env=env, capture_output=True,
                            text=True, check=False)
    total_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode != 0:
        raise SystemExit(f"import failed: {result.stderr[-2000:]}")
    assert Member.objects.count() == rows, (Member.objects.count(), rows)
    batch = ImportBatch.objects.latest("pk")
    validate_s = (batch.applied_at - batch.created_at).total_seconds() if batch.applied_at else 0

    print(f"database: {django.db.connection.vendor}; file: {args.households} households, "
          f"{rows} member rows, {cells} cells, {path.stat().st_size / 1e6:.1f} MB "
          f"(made in {make_s:.1f} s)\n")
    print("| step | seconds | peak RSS MiB |")
    print("|---|---:|---:|")
    print(f"| python-calamine reads every cell | {read_s:.1f} | {read_rss:.0f} |")
    print(f"| `minsheng import registry` end to end (validate + apply) | {total_s:.1f} | "
          f"{peak_mb:.0f} |")
    print(f"| of which upload to applied (batch timestamps) | {validate_s:.1f} | |")
    print(f"\nratio end-to-end / calamine read: {total_s / read_s:.1f}× (target ≤ 3×); "
          f"peak RSS of the import {peak_mb:.0f} MiB (target < 1,536 MiB); "
          f"{rows / total_s:,.0f} member rows/s")


if __name__ == "__main__":
    main()
