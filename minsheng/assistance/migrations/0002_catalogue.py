"""Seed the measures catalogue (帮扶措施目录) from ``assistance/catalogue.py``. Idempotent:
existing entries are updated, none is deleted (measures refer to them)."""

from django.db import migrations

from minsheng.assistance.catalogue import CATALOGUE


def seed(apps, schema_editor):
    measure_type = apps.get_model("assistance", "MeasureType")
    for code, name, kind, months, until, order in CATALOGUE:
        measure_type.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "default_months": months, "continues_until": until,
            "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
