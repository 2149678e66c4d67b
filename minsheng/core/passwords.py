"""Password rule: a minimum number of character classes (configurable, see operations.md)."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    CLASSES = (
        ("小写字母", lambda c: c in string.ascii_lowercase),
        ("大写字母", lambda c: c in string.ascii_uppercase),
        ("数字", lambda c: c in string.digits),
        ("符号", lambda c: not c.isalnum()),
    )

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: object = None) -> None:
        present = sum(1 for _label, test in self.CLASSES if any(test(ch) for ch in password))
        if present < self.min_classes:
            raise ValidationError(
                self.get_help_text(), code="password_too_few_character_classes"
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含小写字母、大写字母、数字、符号中的 {self.min_classes} 类。"
