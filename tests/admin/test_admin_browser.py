"""The operators' admin in a real headless Chromium (Debian's, driven through its chromedriver) against
the live server: log in, cancel and retry a task from the task list, in English and in Chinese, and keep
screenshots of the list as test artifacts (TEST_ARTIFACTS_DIR, default var/test-artifacts/)."""

import os
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from erp.celery import app as celery_app
from sync.models import SyncProgressTask, TaskStatus
from tests.admin.browser import chromium_missing
from tests.factories import OPERATOR, OPERATOR_PASSWORD, TaskFactory
from tests.processes import BASE_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--window-size=1600,900")
PAGE_TIMEOUT_S = 20
TASKS = "/admin/sync/syncprogresstask/"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("chromium_installed")]


@pytest.fixture(scope="module")
def chromium_installed():
    chromium_missing()


@pytest.fixture
def artifacts() -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS_DIR") or BASE_DIR / "var" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def open_browser():
    """Starts Chromium with the given browser languages (Accept-Language follows them); all quit after."""
    drivers = []

    def open_(languages: str = "en-US,en") -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--lang={languages.split(',')[0]}"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"intl.accept_languages": languages})
        drivers.append(webdriver.Chrome(service=Service(CHROMEDRIVER), options=options))
        return drivers[-1]

    yield open_
    for driver in drivers:
        driver.quit()


@pytest.fixture
def broker_purged():
    """A retried task is published to this run's broker; no worker runs here, so drop the message
    before a later test's worker takes it."""
    yield
    celery_app.control.purge()


def log_in_to_task_list(driver, live_server):
    driver.get(f"{live_server.url}/admin/login/?next={TASKS}")
    driver.find_element(By.NAME, "username").send_keys(OPERATOR)
    driver.find_element(By.NAME, "password").send_keys(OPERATOR_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, PAGE_TIMEOUT_S).until(expected_conditions.presence_of_element_located((By.ID, "changelist")))


def run_action(driver, task: SyncProgressTask, action: str) -> str:
    """Tick the task's row, choose the action, press Go; the text of the message it leaves."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f'input[name="_selected_action"][value="{task.pk}"]').click()
    Select(driver.find_element(By.NAME, "action")).select_by_value(action)
    driver.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    wait = WebDriverWait(driver, PAGE_TIMEOUT_S)
    wait.until(expected_conditions.staleness_of(page))
    return wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li"))).text


def screenshot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    assert path.exists() and path.stat().st_size > 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def some_tasks(user):
    """A task list with something in every column: a queued one, a running one half way, a finished one."""
    TaskFactory(user=user, status=TaskStatus.PROCESSING, total_files=6, processed_files=3, rows_ingested=1500,
                rows_quarantined=12, priority=8)
    TaskFactory(user=user, status=TaskStatus.COMPLETED, total_files=2, processed_files=2, rows_ingested=640)
    return TaskFactory(user=user, priority=5)


def row_status(driver, task: SyncProgressTask) -> str:
    row = driver.find_element(By.XPATH, f'//input[@name="_selected_action"][@value="{task.pk}"]/ancestor::tr')
    return row.find_element(By.CSS_SELECTOR, "td.field-status_label").text


def test_operator_cancels_then_retries_a_queued_task_in_the_browser(
        live_server, operator, open_browser, artifacts, broker_purged):
    task = some_tasks(operator)
    driver = open_browser()
    log_in_to_task_list(driver, live_server)

    message = run_action(driver, task, "cancel_selected")

    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert "Cancelled: 1, cancel requested: 0, refused: 0." in message
    assert f"{task.task_id}: cancelled" in message
    assert row_status(driver, task) == "Cancelled"

    message = run_action(driver, task, "retry_selected")

    task.refresh_from_db()
    assert task.status == TaskStatus.QUEUED
    assert "Queued again: 1, refused: 0." in message
    assert f"{task.task_id}: queued again with 2 files" in message
    assert row_status(driver, task) == "Queued"
    screenshot(driver, artifacts / "admin-tasks-en.png")


def test_task_list_is_in_chinese_for_a_zh_cn_browser(live_server, operator, open_browser, artifacts):
    task = some_tasks(operator)
    driver = open_browser("zh-CN,zh")
    log_in_to_task_list(driver, live_server)

    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    actions = [option.text for option in Select(driver.find_element(By.NAME, "action")).options]
    assert "取消所选任务" in actions and "重试所选任务" in actions
    assert row_status(driver, task) == "排队中"
    screenshot(driver, artifacts / "admin-tasks-zh-hans.png")

    message = run_action(driver, task, "cancel_selected")

    assert "已取消：1，已请求取消：0，被拒绝：0。" in message
    assert SyncProgressTask.objects.get(pk=task.pk).status == TaskStatus.CANCELLED


@pytest.mark.parametrize("languages,suffix,approve", [("en-US,en", "en", "Approve selected previews"),
                                                     ("zh-CN,zh", "zh-hans", "批准所选预览")])
def test_operator_previews_a_file_and_reads_the_preview_in_the_browser(
        live_server, operator, open_browser, artifacts, templates, inbox, tmp_path, languages, suffix, approve):
    from sync.ingest.engine import file_sync
    from sync.models import CatalogFile, SyncPreview
    from tests.sync.test_written_together import overlapping_exports

    first, _, changes, _ = overlapping_exports(inbox, tmp_path)
    file_sync(file=CatalogFile.objects.get(pk=first))
    driver = open_browser(languages)
    driver.get(f"{live_server.url}/admin/login/?next=/admin/sync/catalogfile/")
    driver.find_element(By.NAME, "username").send_keys(OPERATOR)
    driver.find_element(By.NAME, "password").send_keys(OPERATOR_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait = WebDriverWait(driver, PAGE_TIMEOUT_S)
    wait.until(expected_conditions.presence_of_element_located((By.ID, "changelist")))
    driver.find_element(By.CSS_SELECTOR, f'input[name="_selected_action"][value="{changes}"]').click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("preview_selected")
    driver.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li")))

    preview = SyncPreview.objects.get(file_id=changes)
    assert preview.rows_changed >= 1
    driver.get(f"{live_server.url}/admin/sync/syncpreview/{preview.pk}/change/")
    page = wait.until(expected_conditions.presence_of_element_located((By.ID, "content"))).text
    assert "quantity" in page and '"7"' in page.replace(" ", "") or "7" in page
    screenshot(driver, artifacts / f"admin-preview-{suffix}.png")
    driver.get(f"{live_server.url}/admin/sync/syncpreview/")
    actions = [option.text for option in Select(driver.find_element(By.NAME, "action")).options]
    assert approve in actions
