"""The audit trail (审计日志): which actions leave an event, what each event carries, and that
no code path (model, queryset, raw SQL) can change or remove one."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from minsheng.core.audit import record_event
from minsheng.core.context import request_id_var
from minsheng.core.errors import AppendOnlyViolation, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType, User
from minsheng.core.selectors import AuditFilter, audit_event_list
from minsheng.core.services import audit_export, token_create
from minsheng.regions.services import AccountData, account_create, account_update
from minsheng.testing import (
    PASSWORD,
    PERSONAS,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

APPEND_ONLY = "审计记录只能追加，不能修改或删除。"
WRONG = "Wrong-pass-2026"


@pytest.fixture
def two_strikes(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_MINUTES = 30


def only(event_type: str, **filters) -> AuditEvent:
    return AuditEvent.objects.get(event_type=event_type, **filters)


def assert_subject(event: AuditEvent, user: User) -> None:
    assert (event.subject_type, event.subject_id, event.subject_repr) == (
        "core.user", str(user.pk), str(user))


class LoginAuditTests:
    def test_records_login_succeeded_with_actor_subject_and_request_id_when_signing_in(
            self, personas, client):
        response = client.post("/login/", {"username": "village_monitor", "password": PASSWORD})
        assert response.status_code == 302
        event = only(AuditEventType.LOGIN_SUCCEEDED)
        user = personas["village_monitor"]
        assert (event.actor_id, event.actor_username) == (user.pk, "village_monitor")
        assert_subject(event, user)
        assert event.request_id == response["X-Request-ID"]
        assert event.ip_address == "127.0.0.1"

    def test_records_login_failed_with_the_attempt_number_when_the_password_is_wrong(
            self, personas, client):
        response = client.post("/login/", {"username": "village_monitor", "password": WRONG})
        event = only(AuditEventType.LOGIN_FAILED)
        assert (event.actor_id, event.actor_username) == (None, "village_monitor")
        assert_subject(event, personas["village_monitor"])
        assert event.note == "密码错误（连续第 1 次）"
        assert event.request_id == response["X-Request-ID"]

    def test_a_password_typed_as_the_username_is_not_kept(self, personas, client):
        client.post("/login/", {"username": "Mima-2026!x", "password": "whatever"})
        event = only(AuditEventType.LOGIN_FAILED)
        assert event.actor_username == "M*********x"
        assert "Mima-2026!x" not in str(event.changes) + str(event.extra) + event.note

    def test_records_login_failed_without_a_subject_when_the_username_is_unknown(
            self, personas, client):
        response = client.post("/login/", {"username": "nobody", "password": PASSWORD})
        event = only(AuditEventType.LOGIN_FAILED)
        assert (event.actor_id, event.actor_username, event.note) == (None, "n****y", "账号不存在")
        assert (event.subject_type, event.subject_id) == ("", "")
        assert event.request_id == response["X-Request-ID"]

    def test_records_login_failed_as_deactivated_when_the_account_is_off(self, personas,
                                                                          client):
        User.objects.filter(username="village_monitor").update(is_active=False)
        client.post("/login/", {"username": "village_monitor", "password": PASSWORD})
        assert only(AuditEventType.LOGIN_FAILED).note == "账号已停用"

    def test_records_account_locked_in_the_request_that_locks(self, personas, client,
                                                               two_strikes):
        client.post("/login/", {"username": "village_monitor", "password": WRONG})
        response = client.post("/login/", {"username": "village_monitor", "password": WRONG})
        event = only(AuditEventType.ACCOUNT_LOCKED)
        assert (event.actor_id, event.actor_username) == (None, "village_monitor")
        assert_subject(event, personas["village_monitor"])
        assert event.note == "连续 2 次登录失败，锁定 30 分钟"
        assert event.request_id == response["X-Request-ID"]
        assert AuditEvent.objects.filter(event_type=AuditEventType.LOGIN_FAILED).count() == 2

    def test_records_the_refused_attempt_when_the_account_is_locked(self, personas, client,
                                                                    two_strikes):
        for _ in range(2):
            client.post("/login/", {"username": "village_monitor", "password": WRONG})
        response = client.post("/login/", {"username": "village_monitor", "password": PASSWORD})
        event = AuditEvent.objects.filter(event_type=AuditEventType.LOGIN_FAILED).latest("id")
        assert event.note == "账号锁定期间尝试登录"
        assert event.request_id == response["X-Request-ID"]
        assert not AuditEvent.objects.filter(event_type=AuditEventType.LOGIN_SUCCEEDED).exists()

    def test_records_logged_out_when_signing_out(self, personas, client_for):
        client = client_for("county_office")
        response = client.post("/logout/")
        event = only(AuditEventType.LOGGED_OUT)
        assert event.actor_username == "county_office"
        assert_subject(event, personas["county_office"])
        assert event.request_id == response["X-Request-ID"]

    def test_keeps_the_callers_request_id_when_it_is_well_formed(self, personas, client):
        client.post("/login/", {"username": "village_monitor", "password": PASSWORD},
                    headers={"X-Request-ID": "trace-2026.03-0001"})
        assert only(AuditEventType.LOGIN_SUCCEEDED).request_id == "trace-2026.03-0001"

    def test_replaces_the_callers_request_id_when_it_is_malformed(self, personas, client):
        response = client.post("/login/", {"username": "village_monitor", "password": PASSWORD},
                               headers={"X-Request-ID": "bad id; drop table"})
        event = only(AuditEventType.LOGIN_SUCCEEDED)
        assert event.request_id == response["X-Request-ID"]
        assert len(event.request_id) == 32 and event.request_id.isalnum()


class AccountAuditTests:
    def test_records_account_unlocked_by_the_security_administrator_on_the_web(
            self, personas, client_for, two_strikes):
        for _ in range(2):
            Client().post("/login/", {"username": "village_monitor", "password": WRONG})
        locked = User.objects.get(username="village_monitor")
        response = client_for("sec_admin").post(f"/accounts/{locked.pk}/unlock/")
        assert response.status_code == 302
        event = only(AuditEventType.ACCOUNT_UNLOCKED)
        assert (event.actor_id, event.actor_username) == (personas["sec_admin"].pk, "sec_admin")
        assert_subject(event, locked)
        assert event.request_id == response["X-Request-ID"]
        assert event.changes == {"failed_login_count": [2, 0],
                                 "locked_until": [locked.locked_until.isoformat(), None]}

    def test_records_permission_changed_with_before_and_after_when_role_and_regions_change(
            self, personas):
        user = personas["village_monitor"]
        account_update(actor=personas["sys_admin"], user=user, data=AccountData(
            username=user.username, display_name=user.display_name, role="township_station",
            region_codes=[VILLAGE_A, VILLAGE_B]))
        event = only(AuditEventType.PERMISSION_CHANGED)
        assert (event.actor_id, event.actor_username) == (personas["sys_admin"].pk, "sys_admin")
        assert (event.subject_type, event.subject_id) == ("core.user", str(user.pk))
        assert event.changes == {"role": ["village_monitor", "township_station"],
                                 "regions": [[VILLAGE_A], [VILLAGE_A, VILLAGE_B]]}
        assert event.region_code == VILLAGE_A
        assert not AuditEvent.objects.filter(event_type=AuditEventType.ACCOUNT_UPDATED).exists()

    def test_records_no_permission_change_when_only_details_change(self, personas):
        user = personas["village_monitor"]
        account_update(actor=personas["sys_admin"], user=user, data=AccountData(
            username=user.username, display_name="新名字", role=user.role,
            region_codes=[VILLAGE_A]))
        assert only(AuditEventType.ACCOUNT_UPDATED).changes == {
            "display_name": ["village_monitor", "新名字"]}
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.PERMISSION_CHANGED).exists()

    def test_records_the_request_id_when_permissions_change_on_the_web(self, personas,
                                                                        client_for):
        user = personas["village_monitor"]
        response = client_for("sys_admin").post(f"/accounts/{user.pk}/", {
            "display_name": "village_monitor", "role": "township_station",
            "region_codes": VILLAGE_A, "is_active": "on"})
        assert response.status_code == 302
        event = only(AuditEventType.PERMISSION_CHANGED)
        assert event.request_id == response["X-Request-ID"]
        assert event.changes == {"role": ["village_monitor", "township_station"]}

    def test_records_the_request_id_in_context_when_a_service_writes(self, personas):
        user = personas["village_monitor"]
        reset = request_id_var.set("job-0000-0001")
        try:
            account_update(actor=personas["sys_admin"], user=user, data=AccountData(
                username=user.username, display_name=user.display_name,
                role="township_station", region_codes=[VILLAGE_A]))
        finally:
            request_id_var.reset(reset)
        assert only(AuditEventType.PERMISSION_CHANGED).request_id == "job-0000-0001"


class TokenAuditTests:
    def test_records_token_created_with_actor_and_token_subject_when_created(self, personas):
        user = personas["county_office"]
        token, key = token_create(actor=user, user=user, label="报表")
        event = only(AuditEventType.TOKEN_CREATED)
        assert (event.actor_id, event.actor_username) == (user.pk, "county_office")
        assert (event.subject_type, event.subject_id, event.subject_repr) == (
            "core.apitoken", str(token.pk), f"{key[:8]}…")
        assert event.extra == {"for_user": "county_office", "label": "报表"}
        assert key not in str(event.extra) + event.subject_repr + event.note

    def test_names_the_command_line_as_actor_when_the_operator_creates_a_token(self, personas):
        token_create(actor=None, user=personas["county_office"])
        event = only(AuditEventType.TOKEN_CREATED)
        assert (event.actor_id, event.actor_username) == (None, "命令行")


class AppendOnlyTests:
    @pytest.fixture
    def event(self, personas) -> AuditEvent:
        return AuditEvent.objects.order_by("id").first()

    def _unchanged(self, event: AuditEvent, total: int) -> None:
        fresh = AuditEvent.objects.get(pk=event.pk)
        assert (fresh.note, fresh.event_type) == (event.note, event.event_type)
        assert AuditEvent.objects.count() == total

    def test_refuses_save_when_the_event_already_exists(self, event):
        total = AuditEvent.objects.count()
        original = event.note
        event.note = "篡改"
        with pytest.raises(AppendOnlyViolation) as exc:
            event.save()
        assert exc.value.message == APPEND_ONLY
        event.note = original
        self._unchanged(event, total)

    def test_refuses_save_when_a_new_instance_reuses_an_existing_id(self, event):
        total = AuditEvent.objects.count()
        forged = AuditEvent(pk=event.pk, event_type=event.event_type, note="伪造")
        with pytest.raises(AppendOnlyViolation):
            forged.save()
        self._unchanged(event, total)

    @pytest.mark.parametrize("kwargs", [{"update_fields": ["note"]}, {"force_update": True}])
    def test_refuses_save_when_asked_to_update(self, personas, kwargs):
        with pytest.raises(AppendOnlyViolation):
            AuditEvent(event_type=AuditEventType.EXPORTED).save(**kwargs)

    def test_refuses_delete_when_called_on_the_event(self, event):
        total = AuditEvent.objects.count()
        with pytest.raises(AppendOnlyViolation):
            event.delete()
        self._unchanged(event, total)

    @pytest.mark.parametrize("write", [
        pytest.param(lambda e: AuditEvent.objects.update(note="篡改"), id="manager.update"),
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).update(note="篡改"),
                     id="filter.update"),
        pytest.param(lambda e: AuditEvent.objects.all().delete(), id="all.delete"),
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).delete(), id="filter.delete"),
        pytest.param(lambda e: AuditEvent.objects.bulk_update([e], ["note"]), id="bulk_update"),
        pytest.param(lambda e: AuditEvent.objects.bulk_create(
            [AuditEvent(pk=e.pk, event_type=e.event_type, note="篡改")], update_conflicts=True,
            unique_fields=["id"], update_fields=["note"]), id="bulk_create-upsert"),
        pytest.param(lambda e: AuditEvent.objects.update_or_create(
            pk=e.pk, defaults={"note": "篡改"}), id="update_or_create"),
    ])
    def test_refuses_queryset_writes_when_they_would_change_history(self, event, write):
        total = AuditEvent.objects.count()
        event.note = "篡改"
        with pytest.raises(AppendOnlyViolation):
            write(event)
        event.refresh_from_db()
        self._unchanged(event, total)

    @pytest.mark.parametrize("sql", [
        "UPDATE core_auditevent SET note = 'x'",
        "UPDATE core_auditevent SET event_type = 'EXPORTED' WHERE id = %s",
        "DELETE FROM core_auditevent",
        "DELETE FROM core_auditevent WHERE id = %s",
    ])
    def test_database_refuses_raw_sql_when_it_would_change_history(self, event, sql):
        total = AuditEvent.objects.count()
        params = [event.pk] if "%s" in sql else []
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        self._unchanged(event, total)

    def test_database_refuses_writes_when_the_python_guards_are_bypassed(self, event):
        total = AuditEvent.objects.count()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk).update(note="篡改")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk)._raw_delete(connection.alias)
        self._unchanged(event, total)

    def test_database_refuses_truncate_when_on_postgresql(self, event):
        if connection.vendor != "postgresql":
            pytest.skip("TRUNCATE exists only on PostgreSQL")
        total = AuditEvent.objects.count()
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")
        self._unchanged(event, total)

    def test_appends_when_a_new_event_is_recorded(self, event):
        total = AuditEvent.objects.count()
        added = record_event(actor=None, event_type=AuditEventType.EXPORTED, note="新增")
        assert added.pk != event.pk
        assert AuditEvent.objects.count() == total + 1


class AuditReadTests:
    @pytest.mark.parametrize("name", sorted(set(PERSONAS) - {"audit_admin"}))
    def test_lists_nothing_when_the_reader_is_not_the_audit_administrator(self, personas, name):
        assert AuditEvent.objects.exists()
        assert not audit_event_list(actor=personas[name]).exists()

    @pytest.mark.parametrize("name", ["sys_admin", "sec_admin", "auditor"])
    def test_refuses_the_export_when_the_reader_is_not_the_audit_administrator(self, personas,
                                                                               name):
        with pytest.raises(PermissionDenied) as exc:
            audit_export(actor=personas[name], filters=AuditFilter())
        assert exc.value.message == "只有审计管理员可以导出审计日志。"
        assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).exists()

    def test_lists_everything_newest_first_when_the_audit_administrator_reads(self, personas):
        events = list(audit_event_list(actor=personas["audit_admin"]))
        assert len(events) == AuditEvent.objects.count()
        assert [e.id for e in events] == sorted((e.id for e in events), reverse=True)

    def test_keeps_to_the_township_when_filtering_by_its_region_code(self, personas):
        account_create(actor=None, password=PASSWORD, data=AccountData(
            username="baicang", display_name="白仓", role="village_monitor",
            region_codes=[VILLAGE_C]))
        events = audit_event_list(actor=personas["audit_admin"], filters=AuditFilter(
            event_type=AuditEventType.ACCOUNT_CREATED, region_code=TOWNSHIP_A))
        # 塘渡口镇 430523100 holds 大岭社区 and the station; 白仓镇 430523101 is next door.
        assert sorted(e.subject_repr for e in events) == [
            "township_station（乡镇监测站）", "village_monitor（村监测员）"]
