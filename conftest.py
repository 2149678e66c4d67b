"""Shared fixtures: the mini region tree, the personas, logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from minsheng.testing import PASSWORD, create_personas, load_mini_tree


@pytest.fixture
def clear_cache():
    """The cache empty before and after the test (the public form's rate limit, cached
    lookups): ``pytestmark = pytest.mark.usefixtures("clear_cache")``."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def regions(db):
    load_mini_tree()


@pytest.fixture
def personas(regions):
    return create_personas()


@pytest.fixture
def client_for(personas):
    """``client_for("village_monitor")`` → a Django test client signed in as that persona."""

    def make(name: str) -> Client:
        client = Client()
        response = client.post("/login/", {"username": name, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return make


@pytest.fixture
def api_client_for(personas):
    """``api_client_for("county_office")`` → a client that sends a fresh bearer token."""
    from minsheng.core.services import token_create

    def make(name: str) -> Client:
        _, key = token_create(actor=None, user=personas[name])
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test temporary folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def allow_audit_flush():
    """For a ``transaction=True`` test on PostgreSQL (thread races): its teardown TRUNCATEs
    every table and the append-only audit table refuses TRUNCATE. Disable that guard inside the
    next flush only, then enable it again, so it stays on for every other test."""
    from django.db import connection

    yield
    if connection.vendor != "postgresql":
        return
    ops = connection.ops
    original = ops.execute_sql_flush

    def flush_once(sql_list):
        del ops.execute_sql_flush
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_truncate")
        original(sql_list)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_truncate")

    ops.execute_sql_flush = flush_once

