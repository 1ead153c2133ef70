"""The systemd units pass `systemd-analyze verify`, restart on failure and log to the journal."""

import configparser
import shutil

import pytest

from tests.monitoring.stack import run_tool
from tests.processes import BASE_DIR
from tests.run_env import RUN_DIR

UNITS = BASE_DIR / "deploy" / "systemd"
INSTALL_DIR = "/srv/erp/app"


@pytest.fixture
def installed_units():
    """The units as installed on a host whose checkout is this one: systemd-analyze checks that every
    command exists, so the install path is replaced by this checkout's (nothing else changes)."""
    target = RUN_DIR / "systemd-units"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for unit in UNITS.glob("*.service"):
        (target / unit.name).write_text(unit.read_text().replace(INSTALL_DIR, str(BASE_DIR)))
    for queue in ("data_sync", "data_processing", "scheduled"):
        shutil.copy(target / "erp-worker@.service", target / f"erp-worker@{queue}.service")
    return target


def test_systemd_analyze_verify_passes(installed_units):
    units = [str(installed_units / name) for name in (
        "erp-web.service", "erp-beat.service", "erp-celery-exporter.service", "erp-worker@data_sync.service",
        "erp-worker@data_processing.service", "erp-worker@scheduled.service")]
    result = run_tool("systemd-analyze", "verify", "--man=no", *units)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_verify_reports_a_broken_unit(installed_units):
    broken = installed_units / "erp-broken.service"
    broken.write_text((installed_units / "erp-beat.service").read_text().replace("Restart=", "Restrat="))
    result = run_tool("systemd-analyze", "verify", "--man=no", str(broken))
    assert "Restrat" in result.stdout + result.stderr


@pytest.mark.parametrize("unit", ["erp-web.service", "erp-worker@.service", "erp-beat.service",
                                  "erp-celery-exporter.service"])
def test_unit_restarts_and_logs_to_the_journal(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / unit)
    service = parser["Service"]
    assert service["Restart"] == "always" and int(service["RestartSec"]) > 0
    assert service["StandardOutput"] == service["StandardError"] == "journal"
    assert service["User"] == "erp" and parser["Install"]["WantedBy"] == "multi-user.target"
