"""Sign-in with lockout (``login_check``), the lock's release, and API tokens: the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.models import ApiToken, User
from minsheng.core.services import (
    LoginRefused,
    login_check,
    token_authenticate,
    token_create,
    token_revoke,
)
from minsheng.regions.services import account_unlock
from minsheng.testing import PASSWORD

WRONG = "Wrong-pass-2026"
BAD_CREDENTIALS = "用户名或密码错误。"
# The clock below stands at 17:00 Beijing time, so a 30-minute lock runs until 17:30.
LOCKED_UNTIL_1730 = "账号因连续登录失败已被锁定，请于 17:30 后再试，或联系安全管理员解锁。"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 17:00 in Asia/Shanghai

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A hand-moved clock for ``django.utils.timezone.now`` (no sleeping, no real time)."""
    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def three_strikes(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 30


def refused(username: str = "village_monitor", password: str = WRONG) -> str:
    """Try to sign in, expect a refusal, return its message."""
    with pytest.raises(LoginRefused) as exc:
        login_check(username=username, password=password)
    return exc.value.message


def lock(username: str = "village_monitor", times: int = 3) -> str:
    messages = [refused(username) for _ in range(times)]
    return messages[-1]


def stored(username: str = "village_monitor") -> User:
    return User.objects.get(username=username)


class LoginCheckTests:
    def test_returns_the_account_when_the_password_is_right(self, personas):
        user = login_check(username="village_monitor", password=PASSWORD)
        assert user.pk == personas["village_monitor"].pk

    def test_ignores_surrounding_spaces_when_the_username_has_them(self, personas):
        assert login_check(username="  village_monitor ", password=PASSWORD).username == (
            "village_monitor")

    def test_refuses_with_the_generic_message_when_the_password_is_wrong(self, personas):
        assert refused() == BAD_CREDENTIALS

    def test_refuses_with_the_same_message_when_the_username_is_unknown(self, personas):
        assert refused("nobody", PASSWORD) == BAD_CREDENTIALS

    def test_refuses_with_the_generic_message_when_the_account_is_deactivated(self, personas):
        User.objects.filter(username="village_monitor").update(is_active=False)
        assert refused(password=PASSWORD) == BAD_CREDENTIALS

    def test_refuses_an_empty_password_when_one_is_given(self, personas):
        assert refused(password="") == BAD_CREDENTIALS

    def test_records_the_sign_in_time_when_the_login_succeeds(self, personas, clock):
        login_check(username="village_monitor", password=PASSWORD)
        assert stored().last_login == clock.now


class LockoutTests:
    def test_counts_the_failure_when_the_login_is_refused(self, personas, three_strikes):
        refused()
        assert stored().failed_login_count == 1
        refused()
        assert stored().failed_login_count == 2

    def test_keeps_the_account_open_when_failures_stay_below_the_limit(self, personas,
                                                                         three_strikes):
        assert [refused(), refused()] == [BAD_CREDENTIALS, BAD_CREDENTIALS]
        assert stored().locked_until is None
        assert login_check(username="village_monitor", password=PASSWORD).username == (
            "village_monitor")

    def test_locks_the_account_when_failures_reach_the_limit(self, personas, three_strikes,
                                                             clock):
        assert lock() == LOCKED_UNTIL_1730
        user = stored()
        assert user.failed_login_count == 3
        assert user.locked_until == clock.now + dt.timedelta(minutes=30)
        assert user.is_locked()

    def test_refuses_the_right_password_when_the_account_is_locked(self, personas,
                                                                   three_strikes, clock):
        lock()
        assert refused(password=PASSWORD) == LOCKED_UNTIL_1730
        assert stored().failed_login_count == 3

    def test_follows_the_setting_when_the_limit_is_changed(self, personas, settings, clock):
        settings.LOGIN_MAX_FAILURES = 1
        settings.LOGIN_LOCKOUT_MINUTES = 45
        assert refused() == "账号因连续登录失败已被锁定，请于 17:45 后再试，或联系安全管理员解锁。"

    def test_locks_only_the_account_under_attack_when_another_is_locked(self, personas,
                                                                        three_strikes):
        lock()
        assert login_check(username="township_station", password=PASSWORD).username == (
            "township_station")
        assert stored("township_station").failed_login_count == 0

    def test_resets_the_failure_count_when_the_login_succeeds(self, personas, three_strikes):
        refused()
        refused()
        user = login_check(username="village_monitor", password=PASSWORD)
        assert user.failed_login_count == 0
        assert stored().failed_login_count == 0
        # The count really starts again: two more failures do not lock.
        assert [refused(), refused()] == [BAD_CREDENTIALS, BAD_CREDENTIALS]
        assert stored().locked_until is None


class LockReleaseTests:
    def test_still_refuses_when_the_lockout_has_not_yet_run_out(self, personas, three_strikes,
                                                                 clock):
        lock()
        clock.advance(minutes=29, seconds=59)
        assert refused(password=PASSWORD) == LOCKED_UNTIL_1730

    def test_releases_the_lock_by_itself_when_the_lockout_runs_out(self, personas,
                                                                   three_strikes, clock):
        lock()
        clock.advance(minutes=30, seconds=1)
        user = login_check(username="village_monitor", password=PASSWORD)
        assert (user.failed_login_count, user.locked_until) == (0, None)
        assert (stored().failed_login_count, stored().locked_until) == (0, None)

    def test_releases_the_lock_when_its_end_lies_in_the_past(self, personas, three_strikes):
        lock()
        # Broken-data shortcut: move the end of the lock into the past instead of waiting.
        User.objects.filter(username="village_monitor").update(
            locked_until=timezone.now() - dt.timedelta(seconds=1))
        assert login_check(username="village_monitor", password=PASSWORD).username == (
            "village_monitor")

    def test_counts_afresh_when_a_wrong_password_follows_a_run_out_lock(self, personas,
                                                                         three_strikes, clock):
        lock()
        clock.advance(minutes=31)
        assert refused() == BAD_CREDENTIALS
        assert (stored().failed_login_count, stored().locked_until) == (1, None)

    def test_releases_the_lock_when_the_security_administrator_unlocks(self, personas,
                                                                       three_strikes):
        lock()
        account_unlock(actor=personas["sec_admin"], user=stored())
        assert (stored().failed_login_count, stored().locked_until) == (0, None)
        assert login_check(username="village_monitor", password=PASSWORD).username == (
            "village_monitor")

    def test_releases_the_lock_when_the_operator_unlocks_from_the_command_line(
            self, personas, three_strikes):
        lock()
        account_unlock(actor=None, user=stored())
        assert not stored().is_locked()

    @pytest.mark.parametrize("name", ["sys_admin", "audit_admin", "county_office",
                                      "village_monitor"])
    def test_keeps_the_lock_when_someone_else_tries_to_unlock(self, personas, three_strikes,
                                                              name):
        lock("township_station")
        with pytest.raises(PermissionDenied) as exc:
            account_unlock(actor=personas[name], user=stored("township_station"))
        assert exc.value.message == "只有安全管理员可以解锁账号。"
        assert stored("township_station").is_locked()


class TokenServiceTests:
    def test_authenticates_the_owner_when_the_key_is_presented(self, personas):
        _token, key = token_create(actor=None, user=personas["county_office"])
        assert key.startswith("ms_")
        assert token_authenticate(key) == personas["county_office"]

    def test_stores_only_a_hash_and_a_prefix_when_a_token_is_created(self, personas):
        token, key = token_create(actor=None, user=personas["county_office"], label="报表")
        row = ApiToken.objects.get(pk=token.pk)
        assert key not in (row.key_hash, row.prefix)
        assert (row.prefix, row.label) == (key[:8], "报表")

    @pytest.mark.parametrize("key", ["", "ms_unknown", "Bearer ms_x"])
    def test_authenticates_nobody_when_the_key_is_unknown(self, personas, key):
        assert token_authenticate(key) is None

    def test_refuses_the_token_when_its_owner_is_locked(self, personas, three_strikes):
        _token, key = token_create(actor=None, user=personas["village_monitor"])
        lock()
        assert token_authenticate(key) is None

    def test_accepts_the_token_again_when_the_lock_is_released(self, personas, three_strikes):
        _token, key = token_create(actor=None, user=personas["village_monitor"])
        lock()
        account_unlock(actor=personas["sec_admin"], user=stored())
        assert token_authenticate(key) == personas["village_monitor"]

    def test_refuses_the_token_when_it_was_revoked(self, personas):
        token, key = token_create(actor=None, user=personas["county_office"])
        token_revoke(actor=None, token=token)
        assert token_authenticate(key) is None

    def test_creates_a_token_for_oneself_when_the_actor_is_the_owner(self, personas):
        user = personas["village_monitor"]
        _token, key = token_create(actor=user, user=user)
        assert token_authenticate(key) == user

    def test_refuses_when_an_account_asks_for_someone_elses_token(self, personas):
        with pytest.raises(PermissionDenied) as exc:
            token_create(actor=personas["county_office"], user=personas["village_monitor"])
        assert exc.value.message == "只能为自己创建令牌。"
        assert not ApiToken.objects.exists()

    def test_refuses_when_the_account_is_deactivated(self, personas):
        user = personas["village_monitor"]
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.refresh_from_db()
        with pytest.raises(InvalidInput) as exc:
            token_create(actor=None, user=user)
        assert exc.value.message == "该账号已停用，不能创建令牌。"
