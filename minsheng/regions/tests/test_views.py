"""Account pages (账号管理): the system administrator manages accounts in its scope and is
audited; the three administrator roles are out of its reach; others get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from minsheng.core.models import AuditEvent, AuditEventType, User
from minsheng.regions.models import RegionAssignment
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import (
    COUNTY_A,
    OUTSIDE_VILLAGE,
    PASSWORD,
    PERSONAS,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
)

NEW_PASSWORD = "Xin-mima-2026"
NOT_FOUND_TEXT = "未找到该对象，或您无权查看。"


def _new_account(**overrides: str) -> dict[str, str]:
    data = {"username": "wang_wu", "display_name": "王五", "role": "village_monitor",
            "department": "", "region_codes": VILLAGE_B, "organisation": "石湾社区",
            "phone": "13800000000", "is_active": "on", "password": NEW_PASSWORD}
    data.update(overrides)
    return data


def _edit(user: User, **overrides: str) -> dict[str, str]:
    data = {"display_name": user.display_name, "role": user.role,
            "department": user.department, "region_codes": " ".join(
                user.region_assignments.values_list("region_id", flat=True)),
            "organisation": user.organisation, "phone": user.phone, "is_active": "on"}
    data.update(overrides)
    return data


def _permission_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=AuditEventType.PERMISSION_CHANGED))


def _listed(response) -> set[str]:
    body = response.content.decode()
    return {name for name in [*PERSONAS, "county_admin", "straddles"]
            if f"<td>{name}</td>" in body}


@pytest.fixture
def county_admin(personas):
    """A system administrator whose scope is one county (邵阳县)."""
    account_create(actor=None, data=AccountData(
        username="county_admin", display_name="县管理员", role="system_admin",
        region_codes=[COUNTY_A]), password=PASSWORD)
    client = Client()
    client.post("/login/", {"username": "county_admin", "password": PASSWORD})
    return client


class AccountListPageTests:
    def test_lists_every_account_when_the_admin_holds_the_province(self, client_for):
        response = client_for("sys_admin").get("/accounts/")
        assert response.status_code == 200
        assert _listed(response) == set(PERSONAS)

    def test_lists_only_accounts_in_scope_when_the_admin_holds_a_county(self, county_admin,
                                                                        personas):
        account_create(actor=None, data=AccountData(
            username="straddles", display_name="跨县", role="village_monitor",
            region_codes=[VILLAGE_A, OUTSIDE_VILLAGE]), password=PASSWORD)
        assert _listed(county_admin.get("/accounts/")) == {
            "county_admin", "village_monitor", "township_station", "county_office", "liaison",
            "enterprise"}

    def test_masks_phone_numbers_when_listing(self, client_for, personas):
        client = client_for("sys_admin")
        client.post("/accounts/new/", _new_account())
        body = client.get("/accounts/", {"q": "wang"}).content.decode()
        assert "13800000000" not in body
        assert "138****0000" in body

    @pytest.mark.parametrize("name", sorted(set(PERSONAS) - {"sys_admin", "sec_admin"}))
    def test_is_404_when_the_role_cannot_manage_accounts(self, name, client_for, personas):
        client = client_for(name)
        response = client.get("/accounts/")
        assert response.status_code == 404
        assert NOT_FOUND_TEXT in response.content.decode()
        assert client.get("/accounts/new/").status_code == 404
        assert client.get(f"/accounts/{personas['village_monitor'].pk}/").status_code == 404

    def test_redirects_to_login_when_anonymous(self, personas, client):
        response = client.get("/accounts/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_query_count_stays_flat_when_many_accounts_are_listed(
            self, client_for, personas, django_assert_max_num_queries):
        for n in range(20):
            account_create(actor=None, data=AccountData(
                username=f"extra{n}", display_name=f"加{n}", role="village_monitor",
                region_codes=[VILLAGE_A]), password=PASSWORD)
        client = client_for("sys_admin")
        with django_assert_max_num_queries(12):
            response = client.get("/accounts/")
        assert "extra19" in response.content.decode()


class AccountCreatePageTests:
    def test_creates_the_account_and_audits_it_when_the_form_is_valid(self, client_for,
                                                                      personas):
        response = client_for("sys_admin").post("/accounts/new/", _new_account())
        assert response.status_code == 302
        user = User.objects.get(username="wang_wu")
        assert (user.role, list(user.region_assignments.values_list("region_id", flat=True))) \
            == ("village_monitor", [VILLAGE_B])
        event = AuditEvent.objects.get(event_type=AuditEventType.ACCOUNT_CREATED,
                                       subject_id=str(user.pk))
        assert event.actor_username == "sys_admin"
        assert event.changes["regions"] == [[], [VILLAGE_B]]

    def test_pads_short_codes_when_the_admin_types_a_county(self, client_for, personas):
        client_for("sys_admin").post("/accounts/new/",
                                     _new_account(role="county_office", region_codes="430523"))
        user = User.objects.get(username="wang_wu")
        assert list(user.region_assignments.values_list("region_id", flat=True)) == [COUNTY_A]

    @pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
    def test_refuses_an_administrator_role_when_creating(self, role, client_for, personas):
        response = client_for("sys_admin").post("/accounts/new/", _new_account(role=role))
        assert response.status_code == 200
        assert "三类管理员账号只能由运维人员通过命令行创建。" in response.content.decode()
        assert not User.objects.filter(username="wang_wu").exists()

    @pytest.mark.parametrize(("codes", "message"), [
        ("4305x", "区划代码格式不正确：4305x"),
        ("43052310000", "区划代码格式不正确：43052310000"),
        ("430599999999", "区划代码不存在：430599999999"),
        (OUTSIDE_VILLAGE, "不能分配您管辖范围以外的区域：荷叶塘社区"),
    ])
    def test_shows_the_field_error_and_writes_nothing_when_a_region_code_is_invalid(
            self, codes, message, county_admin):
        events_before = AuditEvent.objects.count()
        response = county_admin.post("/accounts/new/", _new_account(region_codes=codes))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors["region_codes"] == [message]
        assert not User.objects.filter(username="wang_wu").exists()
        assert AuditEvent.objects.count() == events_before

    def test_shows_the_username_error_when_the_name_is_taken(self, client_for, personas):
        response = client_for("sys_admin").post("/accounts/new/",
                                                _new_account(username="county_office"))
        assert response.context["form"].errors["username"] == ["账号名「county_office」已被使用。"]

    def test_shows_the_department_error_when_a_liaison_has_none(self, client_for, personas):
        response = client_for("sys_admin").post("/accounts/new/",
                                                _new_account(role="department_liaison"))
        assert response.context["form"].errors["department"] == ["部门联络员必须指定所属部门。"]
        assert not User.objects.filter(username="wang_wu").exists()

    def test_shows_the_password_error_when_the_password_is_weak(self, client_for, personas):
        response = client_for("sys_admin").post("/accounts/new/",
                                                _new_account(password="abcdefghijkl"))
        assert "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。" in \
            response.context["form"].errors["password"]
        assert not User.objects.filter(username="wang_wu").exists()

    def test_is_404_when_the_security_admin_tries_to_create(self, client_for, personas):
        response = client_for("sec_admin").post("/accounts/new/", _new_account())
        assert response.status_code == 404
        assert not User.objects.filter(username="wang_wu").exists()


class AccountServiceGuardTests:
    def test_refuses_when_the_actor_is_a_superuser_without_the_role_permission(self, personas):
        from minsheng.core.errors import PermissionDenied
        from minsheng.regions.services import account_unlock

        monitor = User.objects.get(username="village_monitor")
        monitor.is_superuser = True
        with pytest.raises(PermissionDenied) as caught:
            account_create(actor=monitor, password=NEW_PASSWORD, data=AccountData(
                username="wang_wu", display_name="王五", role="village_monitor",
                region_codes=[VILLAGE_A]))
        assert caught.value.message == "只有系统管理员可以管理账号。"
        with pytest.raises(PermissionDenied) as caught:
            account_unlock(actor=monitor, user=personas["enterprise"])
        assert caught.value.message == "只有安全管理员可以解锁账号。"
        assert not User.objects.filter(username="wang_wu").exists()


class AccountEditPageTests:
    def test_audits_a_permission_change_when_role_and_regions_change(self, client_for,
                                                                     personas):
        user = personas["village_monitor"]
        response = client_for("sys_admin").post(
            f"/accounts/{user.pk}/",
            _edit(user, role="township_station", region_codes=TOWNSHIP_A))
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.role == "township_station"
        assert list(user.region_assignments.values_list("region_id", flat=True)) == [TOWNSHIP_A]
        [event] = _permission_events()
        assert event.actor_username == "sys_admin"
        assert event.subject_id == str(user.pk)
        assert event.changes == {"role": ["village_monitor", "township_station"],
                                 "regions": [[VILLAGE_A], [TOWNSHIP_A]]}

    def test_audits_no_permission_change_when_only_details_change(self, client_for, personas):
        user = personas["village_monitor"]
        client_for("sys_admin").post(f"/accounts/{user.pk}/", _edit(user, display_name="新名字"))
        assert _permission_events() == []
        event = AuditEvent.objects.get(event_type=AuditEventType.ACCOUNT_UPDATED)
        assert event.changes == {"display_name": ["village_monitor", "新名字"]}

    def test_refuses_and_writes_nothing_when_the_admin_edits_itself(self, client_for, personas):
        admin = personas["sys_admin"]
        response = client_for("sys_admin").post(
            f"/accounts/{admin.pk}/", _edit(admin, role="county_office"))
        assert response.status_code == 200
        assert "不能修改自己的角色和管辖区域。" in response.content.decode()
        admin.refresh_from_db()
        assert admin.role == "system_admin"
        assert _permission_events() == []

    @pytest.mark.parametrize("name", ["sec_admin", "audit_admin"])
    def test_refuses_and_writes_nothing_when_the_target_is_an_administrator(self, name,
                                                                            client_for,
                                                                            personas):
        target = personas[name]
        response = client_for("sys_admin").post(f"/accounts/{target.pk}/",
                                                _edit(target, role="county_office"))
        assert response.status_code == 200
        assert "三类管理员账号只能由运维人员通过命令行变更。" in response.content.decode()
        target.refresh_from_db()
        assert target.role == PERSONAS[name][0]
        assert _permission_events() == []

    def test_refuses_and_writes_nothing_when_promoting_to_an_administrator(
            self, client_for, personas):
        user = personas["county_office"]
        response = client_for("sys_admin").post(f"/accounts/{user.pk}/",
                                                _edit(user, role="security_admin"))
        assert "三类管理员账号只能由运维人员通过命令行变更。" in response.content.decode()
        user.refresh_from_db()
        assert user.role == "county_office"
        assert _permission_events() == []

    def test_shows_the_field_error_and_keeps_the_regions_when_a_code_is_unknown(
            self, client_for, personas):
        user = personas["village_monitor"]
        response = client_for("sys_admin").post(f"/accounts/{user.pk}/",
                                                _edit(user, region_codes="430599999999"))
        assert response.context["form"].errors["region_codes"] == ["区划代码不存在：430599999999"]
        assert list(RegionAssignment.objects.filter(user=user).values_list(
            "region_id", flat=True)) == [VILLAGE_A]
        assert _permission_events() == []

    def test_is_404_when_the_account_is_outside_the_admins_scope(self, county_admin, personas):
        outsider = personas["outsider"]
        assert county_admin.get(f"/accounts/{outsider.pk}/").status_code == 404
        response = county_admin.post(f"/accounts/{outsider.pk}/",
                                     _edit(outsider, display_name="改"))
        assert response.status_code == 404
        outsider.refresh_from_db()
        assert outsider.display_name == "outsider"

    def test_is_404_when_the_security_admin_opens_the_edit_page(self, client_for, personas):
        assert client_for("sec_admin").get(
            f"/accounts/{personas['village_monitor'].pk}/").status_code == 404


def _lock(username: str) -> None:
    """Five wrong passwords lock the account (登录锁定)."""
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": username, "password": "wrong-password"})
    assert User.objects.get(username=username).is_locked()


class AccountUnlockPageTests:
    def test_unlocks_and_audits_when_the_security_admin_posts(self, client_for, personas):
        _lock("village_monitor")
        response = client_for("sec_admin").post(
            f"/accounts/{personas['village_monitor'].pk}/unlock/")
        assert response.status_code == 302
        assert not User.objects.get(username="village_monitor").is_locked()
        event = AuditEvent.objects.get(event_type=AuditEventType.ACCOUNT_UNLOCKED)
        assert (event.actor_username, event.subject_id) == (
            "sec_admin", str(personas["village_monitor"].pk))
        assert Client().post("/login/", {"username": "village_monitor",
                                         "password": PASSWORD}).status_code == 302

    def test_lists_locked_accounts_on_the_home_page_when_the_security_admin_signs_in(
            self, client_for, personas):
        _lock("township_station")
        body = client_for("sec_admin").get("/").content.decode()
        assert "锁定中的账号" in body and "<td>township_station</td>" in body

    @pytest.mark.parametrize("name", ["village_monitor", "sys_admin", "county_office"])
    def test_is_404_and_stays_locked_when_the_role_cannot_unlock(self, name, client_for,
                                                                 personas):
        _lock("enterprise")
        response = client_for(name).post(f"/accounts/{personas['enterprise'].pk}/unlock/")
        assert response.status_code == 404
        assert User.objects.get(username="enterprise").is_locked()
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.ACCOUNT_UNLOCKED).exists()

    def test_is_405_when_unlocking_by_get(self, client_for, personas):
        response = client_for("sec_admin").get(f"/accounts/{personas['enterprise'].pk}/unlock/")
        assert response.status_code == 405

    def test_redirects_home_when_next_points_to_another_site(self, client_for, personas):
        _lock("enterprise")
        response = client_for("sec_admin").post(
            f"/accounts/{personas['enterprise'].pk}/unlock/", {"next": "https://evil.example/"})
        assert response["Location"] == "/"

    def test_returns_to_the_list_when_next_is_local(self, client_for, personas):
        response = client_for("sec_admin").post(
            f"/accounts/{personas['enterprise'].pk}/unlock/", {"next": "/accounts/?q=e"})
        assert response["Location"] == "/accounts/?q=e"
