"""Importing a target decomposition table: good rows written (and corrections versioned and
audited), bad rows refused with Chinese messages and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import batch_create, batch_import
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.testing import COUNTY_A

from .conftest import OUTSIDE_COUNTY

HEADER = ["地区", "区划代码", "年度", "全年目标", "1月", "2月", "3月", "4月", "5月", "6月", "7月",
          "8月", "9月", "10月", "11月", "12月", "依据文件"]


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    """A decomposition table as a city sends it: a merged title row, the header, the rows."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.merge_range(0, 0, 0, len(HEADER) - 1, "2025年脱贫劳动力务工规模目标任务分解表")
    ws.write_row(1, 0, HEADER)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(i, j, value)
            elif value is not None:
                ws.write_string(i, j, str(value))
    book.close()
    return path


def run(actor: Any, path: Path):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = batch_create(actor=actor, kind="employment_targets", uploaded=upload)
    return batch_import(actor=actor, batch=batch)


def months(*values: int | None) -> list[int | None]:
    return [*values, *([None] * (12 - len(values)))]


class TargetImportTests:
    def test_good_rows_are_written_and_audited(self, personas, tmp_path):
        path = sheet(tmp_path / "targets.xlsx", [
            ["邵阳县", "430523", 2025, 120, *months(100, 102, 104), "邵人社发〔2025〕3号"],
            ["隆回县", "430524000000", "2025", 80, *months(), ""],
        ])
        batch = run(personas["city_office"], path)
        assert batch.status == ImportStatus.APPLIED, batch.message
        got = {(t.region_id, t.month): t.target for t in EmploymentTarget.objects.all()}
        # 邵阳县: whole year + January to March; 隆回县: whole year only (empty months skipped)
        assert got == {(COUNTY_A, 0): 120, (COUNTY_A, 1): 100, (COUNTY_A, 2): 102,
                       (COUNTY_A, 3): 104, (OUTSIDE_COUNTY, 0): 80}
        assert batch.summary["applied"] == {"rows": 2, "targets_new": 5, "targets_changed": 0,
                                            "targets_unchanged": 0}
        assert EmploymentTarget.objects.get(region_id=COUNTY_A, month=1).reference == \
            "邵人社发〔2025〕3号"
        assert AuditEvent.objects.filter(event_type=AuditEventType.EMPLOYMENT_UPDATED,
                                         subject_type="employment_stats.employmenttarget"
                                         ).count() == 5
        assert AuditEvent.objects.filter(event_type=AuditEventType.IMPORT_APPLIED).count() == 1

    def test_a_second_file_corrects_with_a_new_version(self, personas, tmp_path):
        actor = personas["county_office"]
        run(actor, sheet(tmp_path / "a.xlsx", [["邵阳县", "430523", 2025, 120, *months(100)]]))
        batch = run(actor, sheet(tmp_path / "b.xlsx",
                                 [["邵阳县", "430523", 2025, 120, *months(110, 111)]]))
        assert batch.status == ImportStatus.APPLIED
        assert batch.summary["applied"] == {"rows": 1, "targets_new": 1, "targets_changed": 1,
                                            "targets_unchanged": 1}
        january = EmploymentTarget.objects.get(region_id=COUNTY_A, month=1)
        assert (january.target, january.version) == (110, 2)
        assert EmploymentTarget.objects.get(region_id=COUNTY_A, month=0).version == 1

    def test_bad_rows_write_nothing(self, personas, tmp_path):
        path = sheet(tmp_path / "bad.xlsx", [
            ["邵阳县", "430523", 2025, 120, *months(100), ""],          # good on its own
            ["塘渡口镇", "430523100", 2025, 10, *months(), ""],        # township (see below)
            ["隆回县", "430524", 2025, None, *months(5, "十"), ""],    # outside and not a number
            ["", "43052", 2025, 1, *months(), ""],                    # not a code
            ["邵阳县", "430523", 2025, 3, *months(), ""],              # the same county twice
            ["邵阳县", "430523", 2026, None, *months(), ""],           # no number at all
        ])
        batch = run(personas["county_office"], path)
        assert batch.status == ImportStatus.REJECTED
        assert EmploymentTarget.objects.count() == 0
        problems = {row.row_number: [e["message"] for e in row.errors]
                    for row in batch.rows.all()}
        # the file's own errors; the township row (4) is refused by the scope check, which
        # runs once the file is clean (see the next test)
        assert set(problems) == {5, 6, 7, 8}
        assert any("不是数字" in m for m in problems[5])
        assert any("区划代码" in m for m in problems[6])
        assert any("第 3 行" in m for m in problems[7])
        assert any("没有填写任何目标人数" in m for m in problems[8])
        assert "未导入任何数据" in batch.message

    def test_out_of_scope_region_and_township_messages(self, personas, tmp_path):
        path = sheet(tmp_path / "scope.xlsx", [
            ["塘渡口镇", "430523100", 2025, 10, *months(), ""],
            ["隆回县", "430524", 2025, 10, *months(), ""],
        ])
        batch = run(personas["county_office"], path)
        assert batch.status == ImportStatus.REJECTED
        messages = {row.row_number: row.errors[0]["message"] for row in batch.rows.all()}
        assert "只分解到县" in messages[3]
        assert "不在您的管辖范围" in messages[4]
        assert EmploymentTarget.objects.count() == 0

    def test_read_only_role_cannot_upload(self, personas, tmp_path):
        import pytest

        from minsheng.core.errors import PermissionDenied

        path = sheet(tmp_path / "t.xlsx", [["邵阳县", "430523", 2025, 1, *months(), ""]])
        with pytest.raises(PermissionDenied):
            run(personas["auditor"], path)

    def test_missing_columns(self, personas, tmp_path):
        book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
        ws = book.add_worksheet()
        ws.write_row(0, 0, ["区划代码", "年度", "备注"])
        ws.write_row(1, 0, ["430523", "2025", "x"])
        book.close()
        batch = run(personas["county_office"], tmp_path / "x.xlsx")
        assert batch.status == ImportStatus.REJECTED
        assert "没有找到目标列" in batch.rows.get(row_number=0).errors[0]["message"]


class TargetImportPageTests:
    def test_upload_preview_apply(self, client_for, personas, tmp_path,
                                  django_capture_on_commit_callbacks):
        from minsheng.core.batches import ImportBatch

        client = client_for("county_office")
        assert client.get("/employment/stats/targets/import/template.xlsx").status_code == 200
        path = sheet(tmp_path / "web.xlsx", [["邵阳县", "430523", 2025, 120, *months(100), ""]])
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            response = client.post("/employment/stats/targets/import/", {"file": handle})
        batch = ImportBatch.objects.get(kind="employment_targets")
        assert response.status_code == 302
        assert response["Location"] == f"/employment/stats/targets/imports/{batch.pk}/"
        detail = client.get(response["Location"]).content.decode()
        assert "新增目标 2" in detail and "确认导入" in detail
        assert not EmploymentTarget.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/employment/stats/targets/imports/{batch.pk}/apply/")
        batch.refresh_from_db()
        assert batch.status == ImportStatus.APPLIED
        assert EmploymentTarget.objects.count() == 2
        # someone else's batch is not found; read-only roles cannot open the upload page
        assert client_for("city_office").get(
            f"/employment/stats/targets/imports/{batch.pk}/").status_code == 404
        assert client_for("auditor").get("/employment/stats/targets/import/").status_code == 404
