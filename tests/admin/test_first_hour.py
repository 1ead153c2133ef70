"""The first hour (issue 18, point 1): / is a landing page in the caller's language linking the admin,
the dashboard, the audit trail, the API docs and health; the docs load their scripts from our own static
files; `make run` makes a demo operator whose printed password logs in (tests/admin/test_console_browser.py
drives that end to end)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db
LINKS = ("/admin/", "/admin/dashboard/", "/admin/audit/auditrecord/", "/api/docs/", "/api/redoc/", "/readyz")


@pytest.mark.parametrize("language, heading, admin_label", [("en", "ERP data sync", "Admin"),
                                                            ("zh-hans", "ERP 数据同步", "管理后台")])
def test_landing_page_links_the_next_steps_in_the_callers_language(language, heading, admin_label):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    text = response.content.decode()
    assert f'<html lang="{language}">' in text
    assert f"<h1>{heading}</h1>" in text and f"<b>{admin_label}</b>" in text
    for link in LINKS:
        assert f'href="{link}"' in text


@pytest.mark.parametrize("page, assets", [
    ("/api/docs/", ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui.css")),
    ("/api/redoc/", ("redoc/bundles/redoc.standalone.js",)),
])
def test_api_docs_load_every_script_and_stylesheet_from_our_static_files(page, assets):
    text = Client().get(page).content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', text)
    assert sources, text
    assert all(source.startswith("/static/") for source in sources), sources
    for asset in assets:
        assert f"/static/drf_spectacular_sidecar/{asset}" in sources
        assert finders.find(f"drf_spectacular_sidecar/{asset}"), asset


def test_collectstatic_gathers_the_docs_and_console_assets(tmp_path, settings):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)

    assert (tmp_path / "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").stat().st_size > 100_000
    assert (tmp_path / "erp/console.css").exists()
