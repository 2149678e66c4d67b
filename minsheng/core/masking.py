"""Masking of personal data (脱敏) for lists, exports and API responses."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; a short value keeps only its last character."""
    value = (value or "").strip()
    if len(value) >= 7:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    return "*" * (len(value) - 1) + value[-1:] if value else ""


def mask_id_number(value: str) -> str:
    """430523********1234: the region part and the last four digits stay visible."""
    value = (value or "").strip()
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_bank_account(value: str) -> str:
    """6217********1234: the bank prefix and the last four digits stay visible."""
    value = (value or "").strip()
    if len(value) < 9:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
