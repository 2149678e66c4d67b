"""Password rules (密码规则): the character-class validator, the whole policy in Chinese, and the
services that set passwords."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.password_validation import validate_password as django_validate
from django.core.exceptions import ValidationError

from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType, User
from minsheng.core.passwords import CharacterClassValidator
from minsheng.core.services import LoginRefused, login_check
from minsheng.regions.services import (
    AccountData,
    AccountInvalid,
    account_create,
    account_set_password,
)
from minsheng.testing import PASSWORD, VILLAGE_A

THREE_CLASSES = "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。"
TOO_SHORT = "密码长度太短。密码必须包含至少 10 个字符。"
NEW_PASSWORD = "Another-pass-2026"


def messages(password: str, user: User | None = None) -> list[str]:
    """The Chinese messages the project's password policy gives (empty list: accepted)."""
    try:
        django_validate(password, user or User(username="village_monitor",
                                               display_name="village_monitor"))
    except ValidationError as exc:
        return list(exc.messages)
    return []


class CharacterClassValidatorTests:
    def test_refuses_with_the_chinese_rule_when_too_few_classes_are_used(self):
        with pytest.raises(ValidationError) as exc:
            CharacterClassValidator(min_classes=3).validate("abcdefghij12")
        assert exc.value.messages == [THREE_CLASSES]
        assert exc.value.error_list[0].code == "password_too_few_character_classes"

    @pytest.mark.parametrize("password", ["abcdefgh12-", "Abcdefgh12", "ABCDEF-123",
                                          "abcDEF-ghi", "abc def 123"])
    def test_accepts_when_three_classes_are_used(self, password):
        CharacterClassValidator(min_classes=3).validate(password)

    def test_names_the_configured_number_when_all_four_classes_are_required(self):
        validator = CharacterClassValidator(min_classes=4)
        with pytest.raises(ValidationError) as exc:
            validator.validate("Abcdefgh12")
        assert exc.value.messages == ["密码须至少包含小写字母、大写字母、数字、符号中的 4 类。"]
        validator.validate("Abcdefgh12!")

    def test_accepts_any_class_when_one_is_required(self):
        CharacterClassValidator(min_classes=1).validate("----------")

    def test_explains_the_rule_when_asked_for_help_text(self):
        assert CharacterClassValidator(min_classes=2).get_help_text() == (
            "密码须至少包含小写字母、大写字母、数字、符号中的 2 类。")


class PasswordPolicyTests:
    def test_uses_the_configured_number_of_classes_when_validating(self):
        config = [v for v in django_settings.AUTH_PASSWORD_VALIDATORS
                  if v["NAME"] == "minsheng.core.passwords.CharacterClassValidator"]
        assert config == [{"NAME": "minsheng.core.passwords.CharacterClassValidator",
                           "OPTIONS": {"min_classes": django_settings.PASSWORD_MIN_CHARACTER_CLASSES}}]

    @pytest.mark.parametrize("password, expected", [
        ("weak", [TOO_SHORT, THREE_CLASSES]),
        ("Abc-12", [TOO_SHORT]),
        ("abcdefghijkl", [THREE_CLASSES]),
        ("Password123", ["这个密码太常见了。"]),
        ("12345678901", ["这个密码太常见了。", "密码只包含数字。", THREE_CLASSES]),
        ("village_monitor-1A", ["密码跟 用户名 太相似了。"]),
    ])
    def test_refuses_in_chinese_when_the_password_is_weak(self, password, expected):
        assert messages(password) == expected

    @pytest.mark.parametrize("password", [PASSWORD, "Qwerty-12345", "长城-Great-Wall"])
    def test_accepts_when_the_password_is_strong(self, password):
        assert messages(password) == []

    def test_explains_every_rule_in_chinese_when_help_is_shown(self):
        texts = password_validators_help_texts()
        assert THREE_CLASSES in texts
        assert "你的密码必须包含至少 10 个字符。" in texts


class SetPasswordServiceTests:
    def test_refuses_with_the_chinese_rules_when_the_new_password_is_weak(self, personas):
        user = personas["village_monitor"]
        with pytest.raises(InvalidInput) as exc:
            account_set_password(actor=personas["sys_admin"], user=user, password="weak")
        assert exc.value.message == f"{TOO_SHORT}；{THREE_CLASSES}"
        assert login_check(username="village_monitor", password=PASSWORD)
        assert not AuditEvent.objects.filter(event_type=AuditEventType.PASSWORD_CHANGED).exists()

    def test_changes_the_password_and_audits_when_the_new_password_is_strong(self, personas):
        user = personas["village_monitor"]
        account_set_password(actor=personas["sys_admin"], user=user, password=NEW_PASSWORD)
        assert login_check(username="village_monitor", password=NEW_PASSWORD).pk == user.pk
        with pytest.raises(LoginRefused):
            login_check(username="village_monitor", password=PASSWORD)
        event = AuditEvent.objects.get(event_type=AuditEventType.PASSWORD_CHANGED)
        assert (event.actor_username, event.subject_type, event.subject_id) == (
            "sys_admin", "core.user", str(user.pk))
        assert NEW_PASSWORD not in str(event.changes) + event.note + str(event.extra)

    def test_lets_an_account_change_its_own_password_when_it_is_strong(self, personas):
        user = personas["enterprise"]
        account_set_password(actor=user, user=user, password=NEW_PASSWORD)
        assert login_check(username="enterprise", password=NEW_PASSWORD).pk == user.pk

    @pytest.mark.parametrize("name", ["sec_admin", "audit_admin", "county_office"])
    def test_refuses_when_someone_else_sets_another_accounts_password(self, personas, name):
        with pytest.raises(PermissionDenied) as exc:
            account_set_password(actor=personas[name], user=personas["village_monitor"],
                                 password=NEW_PASSWORD)
        assert exc.value.message == "只有系统管理员可以管理账号。"
        assert login_check(username="village_monitor", password=PASSWORD)

    def test_refuses_to_create_an_account_when_its_password_is_weak(self, personas):
        with pytest.raises(AccountInvalid) as exc:
            account_create(actor=personas["sys_admin"], password="weak", data=AccountData(
                username="newbie", display_name="新人", role="village_monitor",
                region_codes=[VILLAGE_A]))
        assert (exc.value.message, exc.value.field) == (f"{TOO_SHORT}；{THREE_CLASSES}",
                                                        "password")
        assert not User.objects.filter(username="newbie").exists()
