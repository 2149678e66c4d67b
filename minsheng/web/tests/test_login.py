"""The sign-in page (/login/), sign-out, the lockout as the browser sees it, the forced end of a
locked account's session, and the idle-session timeout."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from minsheng.core.models import AuditEvent, AuditEventType, User
from minsheng.regions.services import account_unlock
from minsheng.testing import PASSWORD

WRONG = "Wrong-pass-2026"
BAD_CREDENTIALS = "用户名或密码错误。"
LOCKED_UNTIL_1730 = "账号因连续登录失败已被锁定，请于 17:30 后再试，或联系安全管理员解锁。"
SETTINGS_FILE = Path(django_settings.BASE_DIR) / "minsheng" / "settings.py"


@pytest.fixture
def two_strikes(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_MINUTES = 30


@pytest.fixture
def at_1700(monkeypatch):
    """``timezone.now`` stands still at 17:00 Beijing time (no real time involved)."""
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def login_error(response) -> str:
    """The text of the page's error box (data-testid="login-error"), "" when there is none."""
    assert response.status_code == 200
    page = response.content.decode()
    marker = 'data-testid="login-error">'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("</div>", 1)[0]


def is_signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def lock_out(username: str = "village_monitor", times: int = 2) -> None:
    for _ in range(times):
        sign_in(Client(), username, WRONG)


class LoginPageTests:
    def test_shows_the_form_in_chinese_when_opened(self, db, client):
        response = client.get("/login/")
        page = response.content.decode()
        assert response.status_code == 200
        assert "<title>登录 · 民生</title>" in page
        assert '<label for="id_username">账号</label>' in page
        assert login_error(response) == ""

    def test_signs_in_and_goes_home_when_the_password_is_right(self, personas, client):
        response = sign_in(client, "village_monitor", PASSWORD)
        assert (response.status_code, response["Location"]) == (302, "/")
        assert client.session[SESSION_KEY] == str(personas["village_monitor"].pk)
        assert is_signed_in(client)

    def test_shows_the_chinese_error_when_the_password_is_wrong(self, personas, client):
        response = sign_in(client, "village_monitor", WRONG)
        assert login_error(response) == BAD_CREDENTIALS
        assert not is_signed_in(client)

    def test_shows_the_same_error_when_the_username_is_unknown(self, personas, client):
        assert login_error(sign_in(client, "nobody", PASSWORD)) == BAD_CREDENTIALS

    def test_asks_for_both_fields_in_chinese_when_they_are_empty(self, personas, client):
        before = AuditEvent.objects.count()
        page = sign_in(client, "", "").content.decode()
        assert page.count("这个字段是必填项。") == 2
        assert AuditEvent.objects.count() == before

    def test_shows_the_lock_message_when_the_failures_reach_the_limit(self, personas, client,
                                                                       two_strikes, at_1700):
        assert login_error(sign_in(client, "village_monitor", WRONG)) == BAD_CREDENTIALS
        assert login_error(sign_in(client, "village_monitor", WRONG)) == LOCKED_UNTIL_1730

    def test_refuses_the_right_password_with_the_lock_message_when_locked(
            self, personas, client, two_strikes, at_1700):
        lock_out()
        assert login_error(sign_in(client, "village_monitor", PASSWORD)) == LOCKED_UNTIL_1730
        assert client.session.get(SESSION_KEY) is None

    def test_resets_the_failure_count_when_a_web_login_succeeds(self, personas, client,
                                                                 two_strikes):
        sign_in(Client(), "village_monitor", WRONG)
        assert User.objects.get(username="village_monitor").failed_login_count == 1
        sign_in(client, "village_monitor", PASSWORD)
        assert User.objects.get(username="village_monitor").failed_login_count == 0

    def test_signs_in_again_when_the_security_administrator_unlocks_on_the_web(
            self, personas, client, client_for, two_strikes):
        lock_out()
        locked = User.objects.get(username="village_monitor")
        response = client_for("sec_admin").post(f"/accounts/{locked.pk}/unlock/")
        assert (response.status_code, response["Location"]) == (302, "/")
        assert sign_in(client, "village_monitor", PASSWORD).status_code == 302

    @pytest.mark.parametrize("name", ["sys_admin", "audit_admin", "county_office"])
    def test_keeps_the_lock_when_another_persona_posts_the_unlock(self, personas, client_for,
                                                                  two_strikes, name):
        lock_out()
        locked = User.objects.get(username="village_monitor")
        assert client_for(name).post(f"/accounts/{locked.pk}/unlock/").status_code == 404
        assert User.objects.get(pk=locked.pk).is_locked()

    def test_starts_a_new_session_when_signing_in(self, personas, client):
        client.get("/login/")
        client.session.save()
        before = client.session.session_key
        sign_in(client, "village_monitor", PASSWORD)
        assert client.session.session_key != before

    @pytest.mark.parametrize("target, expected", [
        ("/regions/", "/regions/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ])
    def test_follows_only_a_local_next_when_signing_in(self, personas, client, target,
                                                       expected):
        response = sign_in(client, "village_monitor", PASSWORD, next=target)
        assert response["Location"] == expected

    def test_goes_home_when_a_signed_in_account_opens_the_login_page(self, client_for):
        response = client_for("village_monitor").get("/login/")
        assert (response.status_code, response["Location"]) == (302, "/")


class LogoutTests:
    def test_ends_the_session_and_says_so_in_chinese_when_signing_out(self, client_for):
        client = client_for("county_office")
        response = client.post("/logout/", follow=True)
        assert "您已安全退出。" in response.content.decode()
        assert not is_signed_in(client)

    def test_refuses_a_get_when_signing_out(self, client_for):
        client = client_for("county_office")
        assert client.get("/logout/").status_code == 405
        assert is_signed_in(client)
        assert not AuditEvent.objects.filter(event_type=AuditEventType.LOGGED_OUT).exists()


class LockedAccountSessionTests:
    def test_ends_the_open_session_when_the_account_gets_locked(self, personas, client_for,
                                                                two_strikes):
        web = client_for("village_monitor")
        lock_out()
        response = web.get("/")
        assert (response.status_code, response["Location"]) == (302, "/login/?next=/")

    def test_keeps_the_session_ended_when_the_lock_is_released_later(self, personas,
                                                                     client_for, two_strikes):
        web = client_for("village_monitor")
        session_key = web.session.session_key
        lock_out()
        web.get("/")
        account_unlock(actor=personas["sec_admin"], user=User.objects.get(
            username="village_monitor"))
        assert not is_signed_in(web)
        assert not Session.objects.filter(session_key=session_key).exists()

    def test_ends_the_open_session_when_the_account_is_deactivated(self, personas,
                                                                   client_for):
        web = client_for("village_monitor")
        User.objects.filter(username="village_monitor").update(is_active=False)
        assert not is_signed_in(web)
        User.objects.filter(username="village_monitor").update(is_active=True)
        assert not is_signed_in(web)

    def test_refuses_the_bearer_token_with_401_when_the_account_gets_locked(
            self, personas, api_client_for, two_strikes):
        api = api_client_for("village_monitor")
        assert api.get("/api/v1/me").status_code == 200
        lock_out()
        assert api.get("/api/v1/me").status_code == 401

    def test_accepts_the_bearer_token_again_when_the_lock_is_released(self, personas,
                                                                      api_client_for,
                                                                      two_strikes):
        api = api_client_for("village_monitor")
        lock_out()
        account_unlock(actor=None, user=User.objects.get(username="village_monitor"))
        assert api.get("/api/v1/me").status_code == 200

    def test_keeps_other_sessions_open_when_one_account_is_locked(self, personas, client_for,
                                                                  two_strikes):
        web = client_for("township_station")
        lock_out("village_monitor")
        assert is_signed_in(web)


class IdleSessionTests:
    def test_lasts_the_idle_minutes_when_the_session_settings_are_read(self):
        assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_MINUTES * 60
        assert django_settings.SESSION_SAVE_EVERY_REQUEST is True

    def test_follows_the_environment_when_the_idle_minutes_are_set(self, monkeypatch):
        monkeypatch.setenv("MINSHENG_SESSION_IDLE_MINUTES", "7")
        spec = importlib.util.spec_from_file_location("minsheng_settings_probe", SETTINGS_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert (module.SESSION_IDLE_MINUTES, module.SESSION_COOKIE_AGE) == (7, 420)
        assert module.SESSION_SAVE_EVERY_REQUEST is True

    def test_refuses_to_start_when_the_idle_minutes_are_zero(self, monkeypatch):
        monkeypatch.setenv("MINSHENG_SESSION_IDLE_MINUTES", "0")
        spec = importlib.util.spec_from_file_location("minsheng_settings_probe", SETTINGS_FILE)
        module = importlib.util.module_from_spec(spec)
        with pytest.raises(ImproperlyConfigured):
            spec.loader.exec_module(module)

    def test_pushes_the_expiry_forward_when_a_request_arrives(self, client_for):
        client = client_for("county_office")
        key = client.session.session_key
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + dt.timedelta(minutes=1))
        assert is_signed_in(client)
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + dt.timedelta(seconds=django_settings.SESSION_COOKIE_AGE - 60)

    def test_sends_to_the_login_page_when_the_session_has_expired(self, client_for):
        client = client_for("county_office")
        Session.objects.filter(session_key=client.session.session_key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1))
        response = client.get("/")
        assert (response.status_code, response["Location"]) == (302, "/login/?next=/")
