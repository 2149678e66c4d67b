"""Uploaded files that no record names (孤立上传文件): listed, removed after the grace period,
audited; files a record names, and recent ones, are kept."""

import datetime as dt
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from minsheng.core.batches import ImportBatch
from minsheng.core.files import orphan_files, orphan_files_remove
from minsheng.core.models import AuditEvent, AuditEventType, User

DAY = 24 * 3600


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def write(media, name, *, age_hours):
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    stamp = time.time() - age_hours * 3600
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def batch(db, media):
    user = User.objects.create_user(username="uploader", password="x" * 12)
    row = ImportBatch(kind="registry", original_name="台账.xlsx", created_by=user)
    row.file.save("台账.xlsx", ContentFile(b"data"), save=False)
    row.save()
    path = media / row.file.name
    stamp = time.time() - 3 * DAY
    os.utime(path, (stamp, stamp))
    return row


def test_lists_only_old_files_no_record_names(media, batch):
    write(media, "cases/7/abc-承诺书.pdf", age_hours=30)
    write(media, "assistance/evidence/2026/11/5-1.jpg", age_hours=2)  # an upload in progress
    assert orphan_files() == ["cases/7/abc-承诺书.pdf"]
    assert orphan_files(older_than=dt.timedelta(hours=1)) == [
        "assistance/evidence/2026/11/5-1.jpg", "cases/7/abc-承诺书.pdf"]


def test_a_rolled_back_upload_leaves_a_file_the_sweep_removes_and_audits(media, batch):
    user = batch.created_by
    with pytest.raises(RuntimeError), transaction.atomic():
        row = ImportBatch(kind="registry", original_name="第二批.xlsx", created_by=user)
        row.file.save("第二批.xlsx", ContentFile(b"data"), save=False)
        row.save()
        raise RuntimeError("a later step failed")
    left = media / row.file.name
    assert left.exists() and not ImportBatch.objects.filter(pk=row.pk).exists()
    # Two days later the daily sweep removes it; the batch's own file stays.
    removed = orphan_files_remove(now=time.time() + 2 * DAY)
    assert removed == [row.file.name]
    assert not left.exists() and (media / batch.file.name).exists()
    event = AuditEvent.objects.get(event_type=AuditEventType.ORPHAN_FILES_REMOVED)
    assert event.extra == {"count": 1, "files": [row.file.name]}
    assert event.note == "清理孤立上传文件 1 个（没有记录引用，超过 24 小时）"
    # Nothing left: nothing removed, no event.
    assert orphan_files_remove(now=time.time() + 2 * DAY) == []
    assert AuditEvent.objects.filter(event_type=AuditEventType.ORPHAN_FILES_REMOVED).count() == 1


def test_command_lists_then_deletes(media, batch, capsys):
    write(media, "cases/9/old.jpg", age_hours=48)
    call_command("files", "orphans")
    out = capsys.readouterr()
    assert out.out.splitlines() == ["cases/9/old.jpg"]
    assert "发现孤立上传文件 1 个（加 --delete 删除）" in out.err
    assert (media / "cases/9/old.jpg").exists()
    call_command("files", "orphans", "--delete")
    out = capsys.readouterr()
    assert "已删除孤立上传文件 1 个" in out.err
    assert not (media / "cases/9/old.jpg").exists()
    with pytest.raises(CommandError) as exc:
        call_command("files", "orphans", "--older-than-hours", "0.5")
    assert "不能小于 1" in str(exc.value)


def test_no_media_folder_lists_nothing(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path / "missing"
    assert orphan_files() == []
