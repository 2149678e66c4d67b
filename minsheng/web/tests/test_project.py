"""Project-level checks that run with the suite: lint, migrations, system checks, no CDN."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "minsheng"


class ProjectChecksTests:
    def test_ruff_reports_nothing_when_run_on_the_tree(self):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    @pytest.mark.django_db
    def test_no_model_change_lacks_a_migration(self):
        out = StringIO()
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
        assert "No changes detected" in out.getvalue()

    def test_system_checks_pass(self):
        out = StringIO()
        call_command("check", stdout=out)
        assert "no issues" in out.getvalue()

    def test_templates_load_nothing_from_the_internet(self):
        offenders = []
        for path in PACKAGE.rglob("templates/**/*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"""(?:src|href)=["'](?:https?:)?//""", text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        assert offenders == []


@pytest.mark.django_db
class ApiDocumentTests:
    def test_openapi_document_lists_the_foundation_endpoints(self, client):
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert {"/api/v1/me", "/api/v1/regions", "/api/v1/regions/{code}"} <= set(paths)

    def test_interactive_docs_use_vendored_assets_when_served(self, client):
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        assert "cdn" not in response.content.decode().lower()


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MINSHENG_SECRET_KEY": "k" * 20 + "-production-secret-" + "z" * 20,
           "MINSHENG_ALLOWED_HOSTS": "minsheng.example.gov.cn", "MINSHENG_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "minsheng.cli", "check", "--deploy",
                             "--fail-level", "WARNING"], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MINSHENG_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "minsheng.cli", "check"], capture_output=True,
                            text=True, env=env, check=False)
    assert result.returncode != 0
    assert "MINSHENG_SECRET_KEY is required" in result.stderr


class SecuritySettingsTests:
    def test_idle_timeout_and_password_rules_come_from_settings(self, settings):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
        assert settings.SESSION_SAVE_EVERY_REQUEST is True
        with pytest.raises(ValidationError) as exc:
            validate_password("abcdefghijkl")
        assert "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。" in exc.value.messages
        validate_password("Minsheng-2026-ok")
