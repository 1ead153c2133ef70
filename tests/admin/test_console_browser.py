"""A fresh clone's first hour in a real headless Chromium with the network limited to 127.0.0.1:
deploy/run_embedded.sh (what `make run` runs) starts web, worker and beat on the embedded default and prints
the demo operator's password; the browser opens /, logs in to the admin with it, syncs the demo files from
the file list, and looks at the dashboard and the audit trail, in English and in Chinese. Screenshots of each
page go to the test's tmp dir (and TEST_ARTIFACTS_DIR, default var/test-artifacts/)."""

import os
import re
import shutil
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.admin.browser import chromium_missing, failed_loads, foreign_requests, open_offline_chromium, screenshot
from tests.processes import BASE_DIR, wait_for
from tests.run_env import free_port, stop_process

pytestmark = pytest.mark.slow
START_TIMEOUT_S = 180
PAGE_TIMEOUT_S = 20


@pytest.fixture
def artifacts(tmp_path) -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS_DIR") or BASE_DIR / "var" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    yield tmp_path
    for png in tmp_path.glob("*.png"):
        shutil.copy(png, path / png.name)


@pytest.fixture
def make_run(tmp_path):
    """deploy/run_embedded.sh with its var/ in the test's tmp dir; yields the URL and what it printed."""
    var, port = tmp_path / "var", free_port()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)), "ERP_VAR_DIR": str(var),
           "PORT": str(port), "DEMO_ROWS": "20", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "make-run.log"
    process = subprocess.Popen(["bash", "deploy/run_embedded.sh"], cwd=BASE_DIR, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"make run stopped:\n{log.read_text()[-3000:]}")
        try:
            return urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=START_TIMEOUT_S, what="make run's web server")
        yield url, log.read_text(), var
    finally:
        stop_process(process, timeout=30)


def printed_login(output: str) -> tuple[str, str]:
    match = re.search(r"user: (\S+)\s+password: (\S+)", output)
    assert match, output
    return match.group(1), match.group(2)


def check_offline(driver, url: str):
    assert foreign_requests(driver, url) == []
    assert failed_loads(driver) == []


def test_first_hour_from_make_run_in_both_languages(make_run, artifacts):
    chromium_missing()
    url, output, var = make_run
    username, password = printed_login(output)
    assert "Admin:  " in output and f"{url}/admin/" in output

    for language, code in (("en-US,en", "en"), ("zh-CN,zh", "zh-hans")):
        driver = open_offline_chromium(language)
        try:
            wait = WebDriverWait(driver, PAGE_TIMEOUT_S)
            driver.get(f"{url}/")
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == code
            check_offline(driver, url)
            screenshot(driver, artifacts / f"landing-{code}.png")

            driver.find_element(By.CSS_SELECTOR, 'a[href="/admin/"]').click()
            wait.until(expected_conditions.presence_of_element_located((By.NAME, "username")))
            driver.find_element(By.NAME, "username").send_keys(username)
            driver.find_element(By.NAME, "password").send_keys(password)
            driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
            wait.until(expected_conditions.presence_of_element_located((By.ID, "console-links")))

            if code == "en":
                sync_every_demo_file(driver, url, var)

            driver.get(f"{url}/admin/dashboard/?fresh=1")
            wait.until(expected_conditions.presence_of_element_located((By.ID, "dashboard")))
            check_offline(driver, url)
            assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")) > 0
            heading = driver.find_element(By.CSS_SELECTOR, "#content h1").text
            assert heading == ("Operations dashboard" if code == "en" else "运维仪表盘")
            # The whole page, charts and heatmap included, in one picture.
            driver.set_window_size(1400, driver.execute_script("return document.body.scrollHeight") + 120)
            screenshot(driver, artifacts / f"dashboard-{code}.png")
            driver.set_window_size(1400, 1000)

            driver.get(f"{url}/admin/audit/auditrecord/")
            wait.until(expected_conditions.presence_of_element_located((By.ID, "changelist")))
            check_offline(driver, url)
            rows = driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
            assert any("demo" in row.text and ("sync" in row.text or "同步" in row.text) for row in rows)
            screenshot(driver, artifacts / f"audit-{code}.png")

            driver.get(f"{url}/api/docs/")
            wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#swagger-ui .info")))
            check_offline(driver, url)
        finally:
            driver.quit()


def sync_every_demo_file(driver, url: str, var: Path):
    """The operator selects every catalogued demo file and runs *Sync selected files*; the worker syncs them."""
    driver.get(f"{url}/admin/sync/catalogfile/")
    WebDriverWait(driver, PAGE_TIMEOUT_S).until(expected_conditions.presence_of_element_located((By.ID, "action-toggle")))
    driver.find_element(By.ID, "action-toggle").click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("sync_selected")
    driver.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    message = WebDriverWait(driver, PAGE_TIMEOUT_S).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li"))).text
    assert "Sync task queued with" in message

    def finished() -> bool:
        with sqlite3.connect(var / "erp.sqlite3", timeout=30) as db:
            (status,) = db.execute("select status from sync_syncprogresstask order by id desc limit 1").fetchone()
        return status in ("completed", "failed")

    wait_for(finished, timeout=START_TIMEOUT_S, interval=1, what="the demo sync task")
