"""A file's drift proposal in the admin, in a real headless Chromium: read in English and in Chinese, then
accepted by the operator, after which the next file of that shape syncs with no drift (issue 17).
Screenshots go to the test artifacts (TEST_ARTIFACTS_DIR, default var/test-artifacts/)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from sync.ingest.engine import file_sync
from sync.models import FileDrift
from sync.services.templates import template_resolve
from tests.admin.test_admin_browser import (PAGE_TIMEOUT_S, artifacts, chromium_installed,  # noqa: F401 - fixtures
                                            open_browser, screenshot)
from tests.factories import OPERATOR, OPERATOR_PASSWORD
from tests.sync.drift_files import ZH_ORDERS, demo_file

DRIFTS = "/admin/sync/filedrift/"
RENAMED = {"商品原价": "原价"}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("chromium_installed")]


@pytest.fixture
def drifting_file(inbox, tmp_path, templates):
    """A Simplified Chinese Shopee orders export whose unit price column is headed 原价, synced."""
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)
    file_sync(file=file)
    return file


def log_in_to_drifts(driver, live_server):
    driver.get(f"{live_server.url}/admin/login/?next={DRIFTS}")
    driver.find_element(By.NAME, "username").send_keys(OPERATOR)
    driver.find_element(By.NAME, "password").send_keys(OPERATOR_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, PAGE_TIMEOUT_S).until(expected_conditions.presence_of_element_located((By.ID, "changelist")))


def cell(driver, name: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"td.field-{name}").text


def test_operator_reads_the_proposal_and_accepts_it_in_the_browser(
        live_server, operator, drifting_file, inbox, tmp_path, open_browser, artifacts):  # noqa: F811
    driver = open_browser()
    log_in_to_drifts(driver, live_server)

    assert cell(driver, "proposals_text") == "原价 looks like unit_price (商品原价), 0.83"
    assert cell(driver, "added_columns") == "原价" and cell(driver, "missing_fields") == "unit_price"
    assert cell(driver, "status_label") == "Pending"
    screenshot(driver, artifacts / "admin-drift-en.png")

    drift = FileDrift.objects.get(file=drifting_file)
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f'input[name="_selected_action"][value="{drift.pk}"]').click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("accept_selected")
    driver.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    wait = WebDriverWait(driver, PAGE_TIMEOUT_S)
    wait.until(expected_conditions.staleness_of(page))
    message = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li"))).text

    template = template_resolve(file=drifting_file)
    assert "Accepted: 1, refused: 0." in message and f"aliases added in {template}" in message
    assert cell(driver, "status_label") == "Accepted"
    assert cell(driver, "template_versions") == f"Shopee orders v1 → v{template.version}"
    screenshot(driver, artifacts / "admin-drift-accepted-en.png")
    following = demo_file(inbox, tmp_path, key=ZH_ORDERS, seed=2, shop="shopee_cn_02", rename=RENAMED)
    assert file_sync(file=following).drift == {}


def test_the_proposal_reads_in_chinese_for_a_zh_cn_browser(live_server, operator, drifting_file, open_browser,
                                                          artifacts):  # noqa: F811
    driver = open_browser("zh-CN,zh")
    log_in_to_drifts(driver, live_server)

    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    assert cell(driver, "proposals_text") == "原价 看起来是 unit_price（商品原价），0.83"
    assert cell(driver, "status_label") == "待处理"
    actions = [option.text for option in Select(driver.find_element(By.NAME, "action")).options]
    assert "接受所选建议" in actions
    screenshot(driver, artifacts / "admin-drift-zh-hans.png")

    driver.get(f"{live_server.url}/admin/sync/catalogfile/{drifting_file.pk}/change/")
    drift = driver.find_element(By.CSS_SELECTOR, "div.field-drift_summary")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", drift)
    drift = drift.text
    assert "新列：原价" in drift and "缺失字段：unit_price" in drift
    assert "原价 看起来是 unit_price（商品原价），0.83" in drift
    screenshot(driver, artifacts / "admin-file-drift-zh-hans.png")
