"""Issue acceptance: lockout and its release; audit events; no audit update/delete path."""

import datetime as dt
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from minsheng.core.errors import AppendOnlyViolation
from minsheng.core.models import AuditEvent, User
from minsheng.core.services import LoginRefused, login_check
from minsheng.regions.services import AccountData, account_unlock, account_update
from minsheng.testing import PASSWORD, VILLAGE_A, VILLAGE_B


@pytest.fixture
def two_failures(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_MINUTES = 30


def fail_login(username="village_monitor"):
    with pytest.raises(LoginRefused) as exc:
        login_check(username=username, password="wrong-Password-1")
    return exc.value.message


class LockoutTests:
    def test_locks_after_repeated_failures_and_refuses_the_right_password(self, personas,
                                                                          two_failures):
        assert fail_login() == "用户名或密码错误。"
        assert fail_login().startswith("账号因连续登录失败已被锁定")
        with pytest.raises(LoginRefused) as exc:
            login_check(username="village_monitor", password=PASSWORD)
        assert exc.value.message.startswith("账号因连续登录失败已被锁定")
        assert AuditEvent.objects.filter(event_type="ACCOUNT_LOCKED").count() == 1

    def test_failures_are_counted_though_the_login_is_refused(self, personas, two_failures):
        fail_login()
        assert User.objects.get(username="village_monitor").failed_login_count == 1

    def test_lock_releases_by_itself_when_it_runs_out(self, personas, two_failures):
        fail_login()
        fail_login()
        User.objects.filter(username="village_monitor").update(
            locked_until=timezone.now() - dt.timedelta(seconds=1))
        user = login_check(username="village_monitor", password=PASSWORD)
        assert user.failed_login_count == 0 and user.locked_until is None

    def test_security_administrator_releases_the_lock(self, personas, two_failures, client_for):
        fail_login()
        fail_login()
        locked = User.objects.get(username="village_monitor")
        response = client_for("sec_admin").post(f"/accounts/{locked.pk}/unlock/")
        assert response.status_code == 302
        assert login_check(username="village_monitor", password=PASSWORD).pk == locked.pk
        assert AuditEvent.objects.filter(event_type="ACCOUNT_UNLOCKED",
                                         actor_username="sec_admin").count() == 1

    def test_village_monitor_cannot_unlock(self, personas, client_for):
        other = personas["township_station"]
        assert client_for("village_monitor").post(
            f"/accounts/{other.pk}/unlock/").status_code == 404

    def test_success_resets_the_failure_count(self, personas, two_failures):
        fail_login()
        login_check(username="village_monitor", password=PASSWORD)
        assert User.objects.get(username="village_monitor").failed_login_count == 0

    def test_web_login_shows_the_chinese_error(self, personas, client):
        response = client.post("/login/", {"username": "village_monitor", "password": "x"})
        assert "用户名或密码错误。" in response.content.decode()

    def test_a_locked_account_loses_its_open_session_and_its_token(self, personas, client_for,
                                                                   api_client_for):
        web = client_for("village_monitor")
        api = api_client_for("village_monitor")
        User.objects.filter(username="village_monitor").update(
            locked_until=timezone.now() + dt.timedelta(minutes=5))
        assert web.get("/").status_code == 302
        assert api.get("/api/v1/me").status_code == 401


class AuditEventTests:
    def test_login_and_failure_are_audited_with_request_id(self, personas, client):
        client.post("/login/", {"username": "nobody", "password": "x"})
        response = client.post("/login/", {"username": "village_monitor",
                                           "password": PASSWORD})
        failed = AuditEvent.objects.get(event_type="LOGIN_FAILED")
        assert failed.actor_username == "n****y" and failed.note == "账号不存在"
        ok = AuditEvent.objects.get(event_type="LOGIN_SUCCEEDED")
        assert ok.actor_username == "village_monitor"
        assert ok.request_id == response["X-Request-ID"]

    def test_token_creation_from_the_cli_is_audited_and_the_key_works(self, personas, client):
        out = StringIO()
        call_command("token", "create", "county_office", stdout=out, stderr=StringIO())
        key = out.getvalue().strip()
        assert key.startswith("ms_")
        event = AuditEvent.objects.get(event_type="TOKEN_CREATED")
        assert event.extra["for_user"] == "county_office"
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert response.json()["username"] == "county_office"

    def test_permission_change_is_audited_with_before_and_after(self, personas):
        user = personas["village_monitor"]
        account_update(actor=personas["sys_admin"], user=user, data=AccountData(
            username=user.username, display_name=user.display_name, role="township_station",
            region_codes=[VILLAGE_A, VILLAGE_B]))
        event = AuditEvent.objects.get(event_type="PERMISSION_CHANGED")
        assert event.actor_username == "sys_admin"
        assert event.changes["role"] == ["village_monitor", "township_station"]
        assert event.changes["regions"] == [[VILLAGE_A], [VILLAGE_A, VILLAGE_B]]

    def test_unlock_by_cli_is_audited(self, personas):
        account_unlock(actor=None, user=personas["village_monitor"])
        assert AuditEvent.objects.filter(event_type="ACCOUNT_UNLOCKED",
                                         actor_username="命令行").exists()


class AppendOnlyTests:
    @pytest.fixture
    def event(self, personas):
        return AuditEvent.objects.order_by("id").first()

    def test_model_save_of_an_existing_event_is_refused(self, event):
        event.note = "篡改"
        with pytest.raises(AppendOnlyViolation):
            event.save()

    def test_model_delete_is_refused(self, event):
        with pytest.raises(AppendOnlyViolation):
            event.delete()

    def test_queryset_update_and_delete_are_refused(self, event):
        with pytest.raises(AppendOnlyViolation):
            AuditEvent.objects.filter(pk=event.pk).update(note="篡改")
        with pytest.raises(AppendOnlyViolation):
            AuditEvent.objects.all().delete()
        with pytest.raises(AppendOnlyViolation):
            AuditEvent.objects.bulk_update([event], ["note"])

    @pytest.mark.parametrize("sql", ["UPDATE core_auditevent SET note = 'x'",
                                     "DELETE FROM core_auditevent"])
    def test_raw_sql_is_refused_by_the_database(self, event, sql):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert AuditEvent.objects.filter(pk=event.pk, note=event.note).exists()

    def test_audit_page_is_only_for_the_audit_administrator(self, personas, client_for):
        for name in ("sys_admin", "sec_admin", "county_office", "auditor"):
            assert client_for(name).get("/audit/").status_code == 404, name
        page = client_for("audit_admin").get("/audit/")
        assert page.status_code == 200
        assert "审计记录只能追加，不能修改或删除" in page.content.decode()

    def test_audit_export_is_itself_audited(self, personas, client_for):
        response = client_for("audit_admin").get("/audit/export/", {"event_type": "LOGIN_SUCCEEDED"})
        assert response.status_code == 200
        b"".join(response.streaming_content)
        event = AuditEvent.objects.filter(event_type="EXPORTED").latest("id")
        assert event.extra["filters"] == {"event_type": "LOGIN_SUCCEEDED"}


def test_cli_usage_errors_exit_2():
    result = subprocess.run([sys.executable, "-m", "minsheng.cli", "token", "frobnicate"],
                            capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin", "MINSHENG_DEBUG": "1"})
    assert result.returncode == 2


def test_superuser_flag_grants_nothing(personas):
    user = personas["sys_admin"]
    user.is_superuser = True
    assert not user.has_perm("registry.view_household")
    assert not user.has_perm("core.view_auditevent")
    assert user.has_perm("core.add_user")
