"""``minsheng demo``: deterministic (a seed fixes villages and passwords) and idempotent.

The first run (湖南省's full list, seed 2026, no households) happens once for the module inside a
transaction that is rolled back at the end; each test's own changes are rolled back as usual.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from minsheng.core.models import AuditEvent, User
from minsheng.core.roles import Department, Role
from minsheng.demo import COUNTY, OUTSIDER_COUNTY, demo_personas
from minsheng.regions.models import Region, RegionAssignment

SEED = 2026
REGIONS_FIRST = ("行政区划：新增 31691 个，变更 0 个，未变 0 个"
                 "（省级 1 个，市级 14 个，县级 134 个，乡级 2008 个，村级 29534 个）")
REGIONS_AGAIN = ("行政区划：新增 0 个，变更 0 个，未变 31691 个"
                 "（省级 1 个，市级 14 个，县级 134 个，乡级 2008 个，村级 29534 个）")
USERNAMES = ["province_office", "city_office", "county_office", "town_station",
             "village_monitor", "outsider_monitor", "county_yibao", "county_enterprise",
             "city_auditor", "sys_admin", "sec_admin", "audit_admin"]


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--households", "0", *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, tuple[str, str, str]]:
    """username → (password, role label, region full name) from the printed table."""
    lines = output.splitlines()
    start = lines.index("演示账号（账号 / 密码 / 角色 / 管辖区域）：") + 1
    table = {}
    for line in lines[start:]:
        username, password, role, region = line.split()
        table[username] = (password, role, region)
    return table


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo("--seed", str(SEED))
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
class DemoCommandTests:
    def test_prints_the_region_summary_when_run_on_an_empty_database(self, first_run):
        assert first_run.splitlines()[0] == REGIONS_FIRST

    def test_prints_one_login_per_persona_covering_every_role_when_run(self, first_run):
        table = logins(first_run)
        assert list(table) == USERNAMES
        assert {role for _, role, _ in table.values()} == {role.label for role in Role}

    def test_signs_in_each_persona_when_its_printed_password_is_used(self, first_run, client):
        for username, (password, _, _) in logins(first_run).items():
            response = client.post("/login/", {"username": username, "password": password})
            assert response.status_code == 302, username
            assert response.wsgi_request.user.username == username
            client.post("/logout/")

    def test_gives_each_persona_the_printed_role_and_only_the_printed_region_when_run(
        self, first_run
    ):
        for username, (_, role, region) in logins(first_run).items():
            user = User.objects.get(username=username)
            assert (Role(user.role).label, user.is_active) == (role, True), username
            assigned = [a.region.full_name for a in RegionAssignment.objects.filter(user=user)]
            assert assigned == [region], username
        assert User.objects.get(username="county_yibao").department == Department.MEDICAL_INSURANCE

    def test_prints_the_seeds_village_when_run_with_seed_2026(self, first_run):
        assert logins(first_run)["village_monitor"] == (
            "Mscmuva-3579", "村监测员", "湖南省邵阳市邵阳县塘田市镇向荣村")

    def test_changes_nothing_and_prints_the_same_logins_when_run_again(self, first_run):
        again = demo("--seed", str(SEED))
        assert again.splitlines()[0] == REGIONS_AGAIN
        assert logins(again) == logins(first_run)
        assert User.objects.count() == len(USERNAMES)
        assert RegionAssignment.objects.count() == len(USERNAMES)
        assert AuditEvent.objects.filter(event_type="DEMO_LOADED").count() == 2

    def test_moves_the_personas_without_duplicates_when_run_again_with_another_seed(
        self, first_run
    ):
        old = logins(first_run)["village_monitor"]
        new = logins(demo("--seed", "7"))["village_monitor"]
        assert new[2] != old[2]
        monitor = User.objects.get(username="village_monitor")
        assert list(monitor.region_assignments.values_list("region_id", flat=True)) == [
            "430523110205"]
        assert User.objects.count() == len(USERNAMES)
        assert RegionAssignment.objects.count() == len(USERNAMES)
        assert authenticate(username="village_monitor", password=old[0]) is None
        assert authenticate(username="village_monitor", password=new[0]) is not None

    def test_resets_a_persona_when_it_was_locked_deactivated_or_reassigned(self, first_run):
        user = User.objects.get(username="town_station")
        User.objects.filter(pk=user.pk).update(
            is_active=False, failed_login_count=5, role=Role.AUDITOR,
            locked_until=timezone.now() + timedelta(hours=1))
        RegionAssignment.objects.create(user=user, region_id="430000000000")
        demo("--seed", str(SEED))
        user.refresh_from_db()
        assert (user.is_active, user.failed_login_count, user.locked_until, user.role) == (
            True, 0, None, Role.TOWNSHIP_STATION)
        assert list(user.region_assignments.values_list("region_id", flat=True)) == [
            "430523103000"]

    def test_records_the_seed_in_the_audit_log_when_run(self, first_run):
        event = AuditEvent.objects.get(event_type="DEMO_LOADED")
        assert event.actor_username == "命令行"
        assert event.note == f"演示数据（seed={SEED}）：12 个演示账号"
        assert event.extra == {"seed": SEED, "personas": USERNAMES}


@pytest.mark.slow
@pytest.mark.django_db
class DemoPersonasTests:
    def test_returns_identical_personas_when_called_twice_with_one_seed(self, first_run):
        assert demo_personas(SEED) == demo_personas(SEED)

    def test_picks_another_village_and_other_passwords_when_the_seed_differs(self, first_run):
        first = {p.username: p for p in demo_personas(SEED)}
        other = {p.username: p for p in demo_personas(7)}
        assert other["village_monitor"].region_code != first["village_monitor"].region_code
        assert all(other[name].password != first[name].password for name in USERNAMES)

    @pytest.mark.parametrize("seed", [SEED, 7, 1])
    def test_places_the_village_in_the_township_and_the_outsider_elsewhere_for_any_seed(
        self, first_run, seed
    ):
        personas = {p.username: p for p in demo_personas(seed)}
        county = Region.objects.get(code=COUNTY)
        township = Region.objects.get(code=personas["town_station"].region_code)
        village = Region.objects.get(code=personas["village_monitor"].region_code)
        outsider = Region.objects.get(code=personas["outsider_monitor"].region_code)
        assert (township.level, village.level, outsider.level) == (4, 5, 5)
        assert county.contains(township) and township.contains(village)
        assert Region.objects.get(code=OUTSIDER_COUNTY).contains(outsider)
        assert not county.contains(outsider)

    def test_passwords_satisfy_the_password_rules_when_generated(self, first_run):
        for persona in demo_personas(SEED):
            validate_password(persona.password, User(username=persona.username))


class DemoArgumentsTests:
    def test_refuses_with_exit_code_2_when_households_is_negative(self):
        with pytest.raises(CommandError) as exc:
            call_command("demo", "--households", "-1", stdout=StringIO())
        assert (str(exc.value), exc.value.returncode) == ("--households 不能为负数。", 2)

    @pytest.mark.django_db
    def test_refuses_with_exit_code_1_and_creates_no_account_when_not_in_debug_mode(
        self, settings
    ):
        settings.DEBUG = False
        settings.TESTING = False
        before = (User.objects.count(), Region.objects.count(), AuditEvent.objects.count())
        with pytest.raises(CommandError) as exc:
            call_command("demo", "--households", "0", stdout=StringIO())
        assert (str(exc.value), exc.value.returncode) == (
            "演示数据只能在调试模式（MINSHENG_DEBUG=1）下生成：演示账号（含三类管理员）的密码"
            "可由种子推算，不能出现在生产数据库中。", 1)
        after = (User.objects.count(), Region.objects.count(), AuditEvent.objects.count())
        assert after == before
