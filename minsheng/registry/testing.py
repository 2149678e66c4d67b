"""Helpers for registry tests and demo data: valid ID numbers and member dicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric


def make_id(birth: dt.date, seq: int, *, prefix: str = "430523", male: bool = True) -> str:
    """An ID number with a correct check digit; ``seq`` 0..499 picks the sequence code."""
    order = seq * 2 + (1 if male else 0)
    body = f"{prefix}{birth:%Y%m%d}{order % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def member_data(name: str, birth: dt.date, seq: int, *, relation: str = "head",
                male: bool = True, **extra: Any) -> dict[str, Any]:
    return {"name": name, "id_number": make_id(birth, seq, male=male), "relation": relation,
            **extra}
