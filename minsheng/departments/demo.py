"""Sample department files (部门数据样例) for trying the flow on demo data.

``minsheng departments sample --out DIR`` writes one file per department, in the shape offices
send (a title row, then the header): rows for real members of the county's registered
households (one with a name that differs from the registry), and two people who are not in the
registry (the 未匹配名单). Deterministic for a seed. Reads the registry only; writes files only.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from minsheng.core.roles import Department
from minsheng.departments.excel import SPECS, period_end, sample_workbook
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Member

MATCHED_ROWS = 8


def _stranger_id(rng: random.Random, prefix: str) -> str:
    """A well-formed ID number of someone not in the registry (checked by the caller)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    body = f"{prefix}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _values(department: str, rng: random.Random, member: Member | None,
            day: dt.date) -> dict[str, Any]:
    when = (day - dt.timedelta(days=rng.randrange(25))).isoformat()
    if department == Department.MEDICAL_INSURANCE:
        lifted = member is not None and member.household.category == HouseholdCategory.LIFTED
        # Around the thresholds shipped for 湖南省 (脱贫人口 5000, others 20000), some above.
        base = 5000 if lifted else 20000
        return {"inpatient_out_of_pocket": round(base * rng.uniform(0.6, 1.6), 2),
                "outpatient_out_of_pocket": rng.choice([None, 120, 380, 650]),
                "diagnosis": rng.choice(["脑梗死", "慢性肾衰竭", "恶性肿瘤", "冠心病", "股骨骨折"]),
                "institution": rng.choice(["邵阳县人民医院", "邵阳市中心医院", "湘雅二医院"])}
    if department == Department.EDUCATION:
        return {"school": rng.choice(["塘渡口镇中学", "白仓镇中学", "邵阳县第二中学"]),
                "stage": rng.choice(["七年级", "八年级", "九年级"]), "dropout_date": when,
                "dropout_reason": rng.choice(["厌学", "外出务工", "家庭困难"])}
    if department == Department.CIVIL_AFFAIRS:
        return {"change_type": rng.choice(["新增低保", "退出低保", "新增特困", "低保类别调整"]),
                "assistance_class": rng.choice(["一类", "二类", "三类", "四类"]),
                "change_date": when}
    if department == Department.HOUSING:
        return {"appraisal_grade": rng.choice(["B", "C", "D"]), "appraisal_date": when,
                "address": "邵阳县"}
    if department == Department.DISABLED_FEDERATION:
        return {"disability_type": rng.choice(["肢体", "视力", "听力", "智力", "精神"]),
                "disability_grade": rng.choice(["一级", "二级", "三级", "四级"]),
                "certificate_date": when, "certificate_no": f"43052319{rng.randrange(10**8):08d}"}
    if department == Department.EMERGENCY:
        return {"disaster_type": rng.choice(["洪涝", "风雹", "山体滑坡", "干旱"]),
                "disaster_date": when, "loss_amount": rng.randrange(2000, 60000),
                "situation": rng.choice(["房屋进水", "农作物绝收", "房屋部分倒塌"])}
    return {"unemployment_date": when, "benefit": rng.choice(["是", "否"]),
            "last_employer": rng.choice(["邵阳市某制衣厂", "东莞某电子厂", "长沙某建筑公司"])}


def sample_files(*, out_dir: Path, county_code: str, period: str, seed: int = 2026) -> list[Path]:
    """Write one sample file per department into ``out_dir``; returns their paths."""
    county = Region.objects.get(code=county_code)
    if county.level != RegionLevel.COUNTY:
        raise ValueError(f"{county.name} 不是县级区划")
    lo, hi = subtree_bounds(county.code, county.level)
    members = list(Member.objects.filter(active=True, household__archived=False,
                                         household__region_id__gte=lo,
                                         household__region_id__lte=hi)
                   .select_related("household").order_by("id")[:2000])
    if len(members) < MATCHED_ROWS:
        raise ValueError(f"{county.name} 的在册成员不足 {MATCHED_ROWS} 人，请先生成演示农户")
    out_dir.mkdir(parents=True, exist_ok=True)
    day = period_end(period)
    known = set(Member.objects.filter(id_number__startswith=county.code[:6])
                .values_list("id_number", flat=True))
    paths = []
    for department, spec in SPECS.items():
        rng = random.Random(f"{seed}:{department}:{period}")
        chosen = rng.sample(members, MATCHED_ROWS)
        rows = [{"name": m.name, "id_number": m.id_number, **_values(department, rng, m, day)}
                for m in chosen]
        rows[-1]["name"] = rows[-1]["name"][:1] + "某"  # a name the registry spells otherwise
        for _ in range(2):
            stranger = _stranger_id(rng, county.code[:6])
            while stranger in known:
                stranger = _stranger_id(rng, county.code[:6])
            rows.append({"name": rng.choice(["刘建国", "陈桂英", "周志强"]), "id_number": stranger,
                         **_values(department, rng, None, day)})
        path = out_dir / f"{spec.label}-{period}.xlsx"
        sample_workbook(path, department, rows,
                        title=f"{county.name}{spec.label}部门 {period} {spec.title}数据")
        paths.append(path)
    return paths
