"""Test personas (Zulip-style): a small real region tree and one named account per role.

Built through the real services (``regions_load``, ``account_create``), so tests exercise the
same paths as users. Used by ``conftest.py``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from minsheng.core.models import User
from minsheng.core.roles import Department, Role
from minsheng.regions.services import AccountData, account_create, regions_load

PASSWORD = "Test-pass-2026"  # noqa: S105 - test accounts only

MINI_TREE = {
    "provinces.csv": "code,name\n43,湖南省\n",
    "cities.csv": "code,name,provinceCode\n4305,邵阳市,43\n",
    "areas.csv": "code,name,cityCode,provinceCode\n430523,邵阳县,4305,43\n430524,隆回县,4305,43\n",
    "streets.csv": (
        "code,name,areaCode,provinceCode,cityCode\n"
        "430523100,塘渡口镇,430523,43,4305\n430523101,白仓镇,430523,43,4305\n"
        "430524001,桃花坪街道,430524,43,4305\n"
    ),
    "villages.csv": (
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "430523100001,大岭社区,430523100,43,4305,430523\n"
        "430523100002,石湾社区,430523100,43,4305,430523\n"
        "430523101002,四峰社区,430523101,43,4305,430523\n"
        "430524001001,荷叶塘社区,430524001,43,4305,430524\n"
    ),
}

VILLAGE_A = "430523100001"  # 大岭社区, 塘渡口镇, 邵阳县
VILLAGE_B = "430523100002"  # 石湾社区, same township
VILLAGE_C = "430523101002"  # 四峰社区, 白仓镇, same county
TOWNSHIP_A = "430523100000"  # 塘渡口镇
COUNTY_A = "430523000000"  # 邵阳县
CITY = "430500000000"  # 邵阳市
PROVINCE = "430000000000"  # 湖南省
OUTSIDE_VILLAGE = "430524001001"  # 荷叶塘社区, 隆回县

# name → (role, region, department)
PERSONAS: dict[str, tuple[str, str, str]] = {
    "village_monitor": (Role.VILLAGE_MONITOR, VILLAGE_A, ""),
    "township_station": (Role.TOWNSHIP_STATION, TOWNSHIP_A, ""),
    "county_office": (Role.COUNTY_OFFICE, COUNTY_A, ""),
    "city_office": (Role.COUNTY_OFFICE, CITY, ""),
    "province_office": (Role.COUNTY_OFFICE, PROVINCE, ""),
    "liaison": (Role.DEPARTMENT_LIAISON, COUNTY_A, Department.MEDICAL_INSURANCE),
    "enterprise": (Role.ENTERPRISE, COUNTY_A, ""),
    "auditor": (Role.AUDITOR, CITY, ""),
    "sys_admin": (Role.SYSTEM_ADMIN, PROVINCE, ""),
    "sec_admin": (Role.SECURITY_ADMIN, PROVINCE, ""),
    "audit_admin": (Role.AUDIT_ADMIN, PROVINCE, ""),
    "outsider": (Role.VILLAGE_MONITOR, OUTSIDE_VILLAGE, ""),
}


def load_mini_tree() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in MINI_TREE.items():
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        regions_load(actor=None, paths=paths)


def create_personas() -> dict[str, User]:
    users = {}
    for name, (role, region, department) in PERSONAS.items():
        users[name] = account_create(
            actor=None,
            data=AccountData(username=name, display_name=name, role=role,
                             region_codes=[region], department=department),
            password=PASSWORD,
        )
    return users


def race(work: Callable[[Any], Any], actors: list[Any]) -> list[Any]:
    """Run ``work(actor)`` for each actor in its own thread, all released at once (a barrier);
    each outcome is the result or the exception raised. For row-lock tests on PostgreSQL
    (``transaction=True`` with the ``allow_audit_flush`` fixture)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(actors))
    outcomes: list[Any] = []

    def run(actor: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(work(actor))
        except Exception as exc:  # the outcome is what is checked
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes

