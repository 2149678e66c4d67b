import pytest


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登 录" in response.content.decode()


def test_village_monitor_home_shows_its_village(client_for):
    response = client_for("village_monitor").get("/")
    assert response.status_code == 200
    assert "大岭社区" in response.content.decode()
