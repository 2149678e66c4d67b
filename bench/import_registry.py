"""Benchmark: importing a province-size registry file end to end.

Generates an .xlsx in the import template's layout (default 100,000 households, about 350,000
member rows) from the demo generator, then, in a fresh database with the real 湖南 regions and
a county persona, measures:

1. python-calamine alone reading the file (the floor: reading is unavoidable);
2. the whole import as a user runs it: upload → validate (dry run, preview counts) → apply;
3. peak memory (max RSS) of the process.

Target: total ≤ 3 × the calamine read time; peak memory < 1.5 GB.

    .venv/bin/python bench/import_registry.py [--households 100000]
    .venv/bin/python bench/import_registry.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench_import
"""

from __future__ import annotations

import argparse
import resource
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
    from django.core.files import File
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from minsheng.core.batches import ImportStatus
    from minsheng.core.imports import batch_apply, batch_create, batch_validate
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

    # 2. The floor: calamine reading every cell.
    start = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    cells = sum(len(r) for r in sheet.to_python(skip_empty_area=False))
    read_s = time.perf_counter() - start

    # 3. End to end, as the worker runs it.
    start = time.perf_counter()
    with path.open("rb") as f:
        batch = batch_create(actor=actor, kind="registry", uploaded=File(f, name=path.name))
    batch = batch_validate(batch=batch)
    validate_s = time.perf_counter() - start
    if batch.status != ImportStatus.VALIDATED:
        raise SystemExit(f"validation failed: {batch.message} {list(batch.rows.all()[:3])}")
    batch = batch_apply(actor=actor, batch=batch)
    total_s = time.perf_counter() - start
    assert batch.status == ImportStatus.APPLIED, batch.message
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"database: {django.db.connection.vendor}; file: {args.households} households, "
          f"{rows} member rows, {cells} cells, {path.stat().st_size / 1e6:.1f} MB "
          f"(made in {make_s:.1f} s)\n")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| python-calamine reads the file | {read_s:.1f} |")
    print(f"| upload + validate (preview counts) | {validate_s:.1f} |")
    print(f"| apply (one transaction) | {total_s - validate_s:.1f} |")
    print(f"| **import end to end** | **{total_s:.1f}** |")
    print(f"\nratio end-to-end / calamine read: {total_s / read_s:.1f}× (target ≤ 3×); "
          f"peak RSS {peak_mb:.0f} MB (target < 1,500 MB); "
          f"{rows / total_s:,.0f} member rows/s")


if __name__ == "__main__":
    main()
