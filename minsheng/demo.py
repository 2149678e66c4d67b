"""The demo province (演示数据): 湖南省's real regions and one persona per role.

Deterministic: the same ``seed`` always picks the same township and villages and prints the same
passwords. Idempotent: running it again changes nothing but resetting the personas' passwords,
roles and regions to the seed's values. Later modules add their demo data here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from minsheng.core.audit import record_event
from minsheng.core.models import AuditEventType, User
from minsheng.core.roles import Department, Role
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region, RegionAssignment
from minsheng.regions.services import RegionLoadReport, regions_load

DEMO_REGION_DIR = Path(__file__).resolve().parent / "regions" / "data" / "hunan-2023"
DEMO_FILES = ["provinces", "cities", "areas", "streets", "villages"]

PROVINCE = "430000000000"  # 湖南省
CITY = "430500000000"  # 邵阳市
COUNTY = "430523000000"  # 邵阳县
OUTSIDER_COUNTY = "430524000000"  # 隆回县
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    region_code: str
    department: str = ""
    organisation: str = ""
    password: str = ""


def _pick_child(rng: random.Random, parent_code: str, level: int) -> Region:
    parent = Region.objects.get(code=parent_code)
    lo, hi = subtree_bounds(parent.code, parent.level)
    children = list(Region.objects.filter(level=level, code__gte=lo, code__lte=hi).order_by("code"))
    if not children:
        raise RuntimeError(f"演示区划 {parent.name} 下没有{RegionLevel(level).label}级区划")
    return rng.choice(children)


def _password(seed: int, username: str) -> str:
    rng = random.Random(f"{seed}:{username}")
    letters = "abcdefghjkmnpqrstuvwxyz"
    word = "".join(rng.choice(letters) for _ in range(5))
    return f"Ms{word}-{rng.randint(1000, 9999)}"


def demo_personas(seed: int = DEFAULT_SEED) -> list[Persona]:
    """The personas for ``seed`` (the regions must be loaded)."""
    rng = random.Random(seed)
    township = _pick_child(rng, COUNTY, RegionLevel.TOWNSHIP)
    village = _pick_child(rng, township.code, RegionLevel.VILLAGE)
    outsider_township = _pick_child(rng, OUTSIDER_COUNTY, RegionLevel.TOWNSHIP)
    outsider_village = _pick_child(rng, outsider_township.code, RegionLevel.VILLAGE)
    rows = [
        ("province_office", "省级业务员", Role.COUNTY_OFFICE, PROVINCE, "", "湖南省乡村振兴局"),
        ("city_office", "市级业务员", Role.COUNTY_OFFICE, CITY, "", "邵阳市乡村振兴局"),
        ("county_office", "县乡村振兴局业务员", Role.COUNTY_OFFICE, COUNTY, "", "邵阳县乡村振兴局"),
        ("town_station", f"{township.name}监测站", Role.TOWNSHIP_STATION, township.code, "",
         f"{township.name}人民政府"),
        ("village_monitor", f"{village.name}监测员", Role.VILLAGE_MONITOR, village.code, "",
         village.name),
        ("outsider_monitor", f"{outsider_village.name}监测员", Role.VILLAGE_MONITOR,
         outsider_village.code, "", outsider_village.name),
        ("county_yibao", "县医保局联络员", Role.DEPARTMENT_LIAISON, COUNTY,
         Department.MEDICAL_INSURANCE, "邵阳县医疗保障局"),
        ("county_enterprise", "帮扶车间企业", Role.ENTERPRISE, COUNTY, "", "邵阳县示范帮扶车间"),
        ("city_auditor", "市审计查看员", Role.AUDITOR, CITY, "", "邵阳市审计局"),
        ("sys_admin", "系统管理员", Role.SYSTEM_ADMIN, PROVINCE, "", "湖南省信息中心"),
        ("sec_admin", "安全管理员", Role.SECURITY_ADMIN, PROVINCE, "", "湖南省信息中心"),
        ("audit_admin", "审计管理员", Role.AUDIT_ADMIN, PROVINCE, "", "湖南省信息中心"),
    ]
    return [
        Persona(username=u, display_name=n, role=r, region_code=c, department=d, organisation=o,
                password=_password(seed, u))
        for u, n, r, c, d, o in rows
    ]


def demo_regions_load() -> RegionLoadReport:
    return regions_load(
        actor=None, paths=[DEMO_REGION_DIR / f"{name}.csv.gz" for name in DEMO_FILES],
        province=settings.DEMO_PROVINCE_CODE,
    )


def demo_load(seed: int = DEFAULT_SEED) -> tuple[RegionLoadReport, list[Persona]]:
    """Load the demo province and create or reset the personas. Safe to run repeatedly."""
    report = demo_regions_load()
    personas = demo_personas(seed)
    with transaction.atomic():
        for p in personas:
            user = User.objects.filter(username=p.username).first() or User(username=p.username)
            user.display_name = p.display_name
            user.role = p.role
            user.department = p.department
            user.organisation = p.organisation
            user.is_active = True
            user.failed_login_count = 0
            user.locked_until = None
            user.set_password(p.password)
            user.save()
            RegionAssignment.objects.filter(user=user).exclude(region_id=p.region_code).delete()
            RegionAssignment.objects.get_or_create(user=user, region_id=p.region_code)
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     note=f"演示数据（seed={seed}）：{len(personas)} 个演示账号",
                     extra={"seed": seed, "personas": [p.username for p in personas]})
    return report, personas
