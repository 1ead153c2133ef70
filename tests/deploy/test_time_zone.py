"""Times are stored in UTC and shown in the admin in DJANGO_TIME_ZONE (seed 004: Asia/Shanghai, README "Seed
parity"); business dates come from each shop's zone, so a sync writes the same rows whatever TIME_ZONE is."""

from datetime import datetime, timezone
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from sync.models import FACT_MODELS, CatalogFile, DataQualityRecord, SyncProgressTask, TaskType

pytestmark = pytest.mark.django_db
# 16:30 UTC is past midnight in UTC+8 and still the evening before in UTC+7: the day itself differs.
STORED = datetime(2024, 11, 1, 16, 30, tzinfo=timezone.utc)
# Zones from UTC-8 to UTC+14: every business date would move if a sync read TIME_ZONE.
ZONES = ["UTC", "Asia/Shanghai", "Pacific/Kiritimati", "America/Los_Angeles"]


def test_the_default_zone_is_the_seeds_and_storage_stays_utc(settings):
    assert (settings.TIME_ZONE, settings.USE_TZ) == ("Asia/Shanghai", True)


@pytest.mark.parametrize(("zone", "shown"), [
    ("Asia/Shanghai", "Nov. 2, 2024, 12:30 a.m."),
    ("Asia/Bangkok", "Nov. 1, 2024, 11:30 p.m."),
])
def test_the_admin_shows_task_times_in_the_configured_zone(zone, shown):
    task = SyncProgressTask.objects.create(task_id="tz-task", task_type=TaskType.SINGLE_FILE)
    SyncProgressTask.objects.filter(pk=task.pk).update(created_at=STORED)
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(User.objects.create_superuser("tz_staff", password=None))

    with override_settings(TIME_ZONE=zone):
        page = staff.get("/admin/sync/syncprogresstask/").content.decode()

    assert shown in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at AT TIME ZONE 'UTC' FROM sync_syncprogresstask WHERE id = %s", [task.pk])
        assert cursor.fetchone()[0] == STORED.replace(tzinfo=None)


def written(files: list[CatalogFile]) -> dict:
    """What a sync wrote that a zone could move: business dates and timestamps of every fact row, and the
    dates quality was scored for."""
    rows = {}
    for file in files:
        model = FACT_MODELS[file.data_domain]
        fields = ["business_date", *(f.name for f in model._meta.concrete_fields
                                     if f.get_internal_type() == "DateTimeField" and f.name not in model.SYNC_FIELDS)]
        rows[file.file_name] = list(model.objects.filter(source_file=file).order_by(*model.BUSINESS_KEY)
                                    .values_list(*model.BUSINESS_KEY, *fields))
    rows["quality"] = sorted(DataQualityRecord.objects.values_list("platform_code", "shop_id", "data_domain",
                                                                   "business_date"))
    return rows


def test_a_sync_writes_the_same_dates_whatever_the_time_zone(inbox, templates):
    call_command("make_demo_exports", "--rows", "60", "--only", "shopee_orders_xlsx", "amazon_orders_tsv",
                 stdout=StringIO())
    call_command("scan_inbox", stdout=StringIO())
    files = list(CatalogFile.objects.order_by("pk"))
    assert len(files) == 2

    seen = {}
    for zone in ZONES:
        for file in files:
            FACT_MODELS[file.data_domain].objects.filter(source_file=file).delete()
        DataQualityRecord.objects.all().delete()
        with override_settings(TIME_ZONE=zone):
            call_command("sync_files", *(str(f.pk) for f in files), stdout=StringIO(), stderr=StringIO())
        seen[zone] = written(files)

    reference = seen["UTC"]
    assert all(reference[f.file_name] for f in files) and reference["quality"]
    assert {zone: rows == reference for zone, rows in seen.items()} == dict.fromkeys(ZONES, True)
