"""GET /api/v1/me: who the caller is, its role, permissions and regions; 401 otherwise."""

from __future__ import annotations

import pytest
from django.test import Client

from minsheng.core.models import ApiToken
from minsheng.core.roles import permissions_for
from minsheng.core.services import token_create, token_revoke
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, PASSWORD, PERSONAS, VILLAGE_A


class MeApiTests:
    @pytest.mark.parametrize("name", sorted(PERSONAS))
    def test_describes_the_persona_when_called_with_its_token(self, name, personas,
                                                              api_client_for):
        response = api_client_for(name).get("/api/v1/me")
        assert response.status_code == 200
        data = response.json()
        role, region, _department = PERSONAS[name]
        assert (data["username"], data["role"]) == (name, role)
        assert data["permissions"] == sorted(permissions_for(role))
        assert [r["code"] for r in data["regions"]] == [region]

    def test_names_role_department_and_region_in_chinese_when_a_liaison_asks(
            self, api_client_for):
        data = api_client_for("liaison").get("/api/v1/me").json()
        assert data == {
            "username": "liaison", "display_name": "liaison", "role": "department_liaison",
            "role_label": "部门联络员", "department": "medical_insurance",
            "department_label": "医保",
            "permissions": sorted(permissions_for("department_liaison")),
            "regions": [{"code": COUNTY_A, "name": "邵阳县", "level": 3, "level_label": "县"}],
        }
        # A liaison works with its department's data, never the household register.
        assert "regions.view_region" in data["permissions"]
        assert not [p for p in data["permissions"] if p.startswith("registry.")]

    def test_lists_no_household_permission_when_the_system_administrator_asks(
            self, api_client_for):
        data = api_client_for("sys_admin").get("/api/v1/me").json()
        assert data["role_label"] == "系统管理员"
        assert data["department_label"] == ""
        assert not [p for p in data["permissions"] if p.startswith("registry.")]

    def test_lists_every_region_in_code_order_when_the_account_has_several(self, personas):
        user = account_create(actor=None, data=AccountData(
            username="two_villages", display_name="两村", role="village_monitor",
            region_codes=[OUTSIDE_VILLAGE, VILLAGE_A]), password=PASSWORD)
        _token, key = token_create(actor=None, user=user)
        data = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me").json()
        assert [r["code"] for r in data["regions"]] == [VILLAGE_A, OUTSIDE_VILLAGE]

    def test_answers_when_signed_in_through_the_browser(self, client_for):
        response = client_for("township_station").get("/api/v1/me")
        assert response.status_code == 200
        assert response.json()["role_label"] == "乡镇监测站"


class MeApiAuthenticationTests:
    def test_is_401_when_anonymous(self, db, client):
        response = client.get("/api/v1/me")
        assert response.status_code == 401

    @pytest.mark.parametrize("header", ["Bearer ms_unknown", "Bearer ", "Token abc", "ms_abc"])
    def test_is_401_when_the_authorization_header_is_wrong(self, header, personas, client):
        assert client.get("/api/v1/me", headers={"Authorization": header}).status_code == 401

    def test_is_401_when_the_token_was_revoked(self, personas):
        token, key = token_create(actor=None, user=personas["county_office"])
        token_revoke(actor=None, token=token)
        client = Client(headers={"Authorization": f"Bearer {key}"})
        assert client.get("/api/v1/me").status_code == 401

    def test_is_401_when_the_account_was_deactivated_after_the_token(self, personas,
                                                                     api_client_for):
        client = api_client_for("county_office")
        user = personas["county_office"]
        user.is_active = False
        user.save()
        assert client.get("/api/v1/me").status_code == 401

    def test_is_401_when_the_account_is_locked(self, personas, api_client_for):
        client = api_client_for("enterprise")
        for _ in range(5):
            Client().post("/login/", {"username": "enterprise", "password": "wrong-password"})
        assert client.get("/api/v1/me").status_code == 401

    def test_never_stores_the_key_when_a_token_is_created(self, personas):
        token, key = token_create(actor=None, user=personas["county_office"])
        stored = ApiToken.objects.get(pk=token.pk)
        assert key not in (stored.key_hash, stored.prefix)
        assert stored.prefix == key[:8]
