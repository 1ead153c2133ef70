"""Headless Chromium (Debian's, through its chromedriver) whose network is 127.0.0.1 only: every other host
name fails to resolve and every request not for 127.0.0.1 goes to a proxy that does not exist, so a page
that needs a CDN shows it in the test."""

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.tools import debian_tool

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000", *OFFLINE_FLAGS)


def chromium_missing():
    """Skip without Chromium and its driver, except on CI, where the missing package fails the test by name."""
    debian_tool(str(CHROMIUM), "chromium", package="chromium")
    debian_tool("chromedriver", package="chromium-driver")


def open_offline_chromium(languages: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--lang={languages.split(',')[0]}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": languages})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def foreign_requests(driver, origin: str) -> list[str]:
    """Resources the page loaded (or tried to) from anywhere but our server."""
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [name for name in names if not name.startswith(origin) and not name.startswith("data:")]


def failed_loads(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and ("ERR_" in entry["message"] or "Failed to load" in entry["message"])]


def screenshot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path
