"""Shared set-up of the benchmarks: a fresh database and Django with production settings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def fresh_database(url: str | None, prefix: str) -> tuple[str, Path]:
    """A temp folder and a database URL: a new SQLite file, or the PostgreSQL database named in
    ``url`` dropped and created again."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    if not url:
        return f"sqlite:///{tmp}/bench.sqlite3", tmp
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    return url, tmp


def setup_django(url: str, tmp: Path, **extra: str) -> None:
    """Django with DEBUG off (no query log) and the schema migrated."""
    os.environ.update({"MINSHENG_DEBUG": "0", "MINSHENG_SECRET_KEY": "bench-" + "x" * 50,
                       "MINSHENG_DATABASE_URL": url, "MINSHENG_VAR_DIR": str(tmp),
                       "MINSHENG_TASK_BACKEND": "immediate",
                       "DJANGO_SETTINGS_MODULE": "minsheng.settings", **extra})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
