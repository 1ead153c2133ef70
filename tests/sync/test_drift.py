"""Drift contracts (issue 17): each mode does what it says on real-shaped exports, a renamed column gets the
right proposal, and accepting it makes the next file of that shape sync with no drift."""

import pytest
from prometheus_client import REGISTRY

from erp.audit.models import AuditOperation, AuditRecord
from sync.demo.exports import DEMO_FILE_KEYS
from sync.ingest.drift import proposals
from sync.ingest.engine import file_sync
from sync.ingest.unmapped import unmapped_cells_of
from sync.models import (CatalogFile, FieldTemplate, FileDrift, FileStatus, OnBadValue, OnMissingField, OnNewColumn,
                         OrderLine, QuarantinedRow)
from sync.services.drift import DriftNotAcceptable, drift_accept
from sync.services.previews import file_preview
from sync.services.templates import template_resolve
from tests.sync.drift_files import EN_ORDERS, ZH_ORDERS, demo_file

pytestmark = pytest.mark.django_db

NEW = {"优惠来源": "店铺券"}  # a column Shopee might add: "discount source", "shop voucher" on every row
RENAMED = {"商品原价": "原价"}  # unit_price's header shortened


def contract(file: CatalogFile, **modes) -> FieldTemplate:
    template = template_resolve(file=file)
    for name, value in modes.items():
        setattr(template, name, value)
    template.save()
    return template


def nothing_written(file: CatalogFile):
    assert not OrderLine.objects.exists()
    assert not QuarantinedRow.objects.filter(file=file).exists()


def drift_total(kind: str) -> float:
    return REGISTRY.get_sample_value("erp_file_drift_total", {"domain": "orders", "kind": kind}) or 0


@pytest.mark.parametrize("key", DEMO_FILE_KEYS)
def test_every_known_export_shape_syncs_without_drift(key, inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=key, rows=20)

    result = file_sync(file=file)

    assert result.succeeded, result.error
    assert result.drift == {}
    assert not FileDrift.objects.exists()


def test_evolve_keeps_a_new_column_with_each_row_and_reports_it(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, add=NEW)

    result = file_sync(file=file)

    assert result.succeeded, result.error
    assert result.drift["columns_added"] == ["优惠来源"]
    assert result.drift["fields_missing"] == []
    assert unmapped_cells_of(OrderLine.objects.first())["优惠来源"] == "店铺券"
    drift = FileDrift.objects.get(file=file)
    assert (drift.columns_added, drift.template) == (["优惠来源"], template_resolve(file=file))
    file.refresh_from_db()
    assert file.last_result["drift"]["columns_added"] == ["优惠来源"]


def test_freeze_on_a_new_column_fails_the_file_naming_it_and_writes_nothing(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, add=NEW)
    contract(file, on_new_column=OnNewColumn.FREEZE)

    result = file_sync(file=file)

    assert result.status == FileStatus.FAILED
    assert "on_new_column=freeze" in result.error and "优惠来源" in result.error
    assert result.rows_ingested == 0
    nothing_written(file)
    assert FileDrift.objects.get(file=file).columns_added == ["优惠来源"]


def test_freeze_on_a_new_column_lets_a_known_column_through(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, add=NEW)
    template = contract(file, on_new_column=OnNewColumn.FREEZE)
    template.options = {**template.options, "known_columns": [*template.options["known_columns"], "优惠来源"]}
    template.save()

    result = file_sync(file=file)

    assert result.succeeded and result.drift == {}


def test_allow_syncs_a_file_missing_an_optional_field_and_reports_it(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, drop=("买家账号",))

    result = file_sync(file=file)

    assert result.succeeded, result.error
    assert result.drift["fields_missing"] == ["buyer"]
    assert OrderLine.objects.filter(buyer="").count() == result.rows_ingested > 0


def test_freeze_on_a_missing_field_fails_the_file_naming_it_and_writes_nothing(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, drop=("买家账号",))
    contract(file, on_missing_field=OnMissingField.FREEZE)

    result = file_sync(file=file)

    assert result.status == FileStatus.FAILED
    assert "on_missing_field=freeze" in result.error and "buyer" in result.error
    nothing_written(file)


def test_discard_row_quarantines_values_that_do_not_fit(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=EN_ORDERS, rows=120)

    result = file_sync(file=file)

    assert result.status == FileStatus.PARTIAL
    assert result.rows_quarantined == QuarantinedRow.objects.filter(file=file).count() > 0
    assert result.rows_ingested > 0


def test_freeze_on_a_bad_value_fails_the_file_and_writes_nothing(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=EN_ORDERS, rows=120)
    contract(file, on_bad_value=OnBadValue.FREEZE)

    result = file_sync(file=file)

    assert result.status == FileStatus.FAILED
    assert "invalid rows and quarantine is not allowed" in result.error
    nothing_written(file)


def test_a_renamed_column_is_proposed_as_an_alias_of_the_field_it_left_missing(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)

    result = file_sync(file=file)

    assert result.drift == {
        "columns_added": ["原价"], "fields_missing": ["unit_price"],
        "proposals": [{"header": "原价", "field": "unit_price", "alias": "商品原价", "score": 0.83,
                       "field_missing": True}]}
    assert FileDrift.objects.get(file=file).proposals == result.drift["proposals"]


def test_accepting_the_proposal_makes_the_next_file_of_that_shape_sync_with_no_drift(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)
    file_sync(file=file)
    old = template_resolve(file=file)

    template = drift_accept(drift_id=FileDrift.objects.get(file=file).pk)

    assert template.version == old.version + 1 and template.is_active
    assert template.mapping["unit_price"][-1] == "原价"
    old.refresh_from_db()
    assert "原价" not in old.mapping["unit_price"] and old.is_active
    assert FileDrift.objects.get(file=file).accepted_template == template
    assert AuditRecord.objects.filter(operation=AuditOperation.DRIFT_ACCEPT, object_pk=str(template.pk)).exists()

    following = demo_file(inbox, tmp_path, key=ZH_ORDERS, seed=2, shop="shopee_cn_02", rename=RENAMED)
    result = file_sync(file=following)

    assert template_resolve(file=following) == template
    assert result.succeeded and result.drift == {}
    assert not OrderLine.objects.filter(source_file=following, unit_price__isnull=True).exists()


def test_a_second_accept_keeps_the_first_alias_and_an_accepted_drift_is_not_accepted_twice(
        inbox, tmp_path, templates):
    first = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)
    second = demo_file(inbox, tmp_path, key=ZH_ORDERS, seed=2, shop="shopee_cn_02", rename={"商品活动价格": "活动价格"})
    file_sync(file=first)
    file_sync(file=second)

    drift_accept(drift_id=FileDrift.objects.get(file=first).pk)
    latest = drift_accept(drift_id=FileDrift.objects.get(file=second).pk)

    assert latest.version == 3
    assert "原价" in latest.mapping["unit_price"] and "活动价格" in latest.mapping["deal_price"]
    with pytest.raises(DriftNotAcceptable, match="accepted already"):
        drift_accept(drift_id=FileDrift.objects.get(file=first).pk)


def test_a_drift_without_proposal_cannot_be_accepted(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, drop=("买家账号",))
    file_sync(file=file)

    with pytest.raises(DriftNotAcceptable, match="no proposal"):
        drift_accept(drift_id=FileDrift.objects.get(file=file).pk)


def test_a_resync_without_drift_forgets_the_pending_proposal(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)
    file_sync(file=file)
    template = template_resolve(file=file)
    template.mapping = {**template.mapping, "unit_price": [*template.mapping["unit_price"], "原价"]}
    template.save()

    result = file_sync(file=file)

    assert result.drift == {}
    assert not FileDrift.objects.exists()


def test_a_drifting_sync_is_counted_per_kind_and_a_preview_is_not(inbox, tmp_path, templates):
    file = demo_file(inbox, tmp_path, key=ZH_ORDERS, rename=RENAMED)
    plain = demo_file(inbox, tmp_path, key=ZH_ORDERS, seed=2, shop="shopee_cn_02")
    before = {kind: drift_total(kind) for kind in ("new_column", "missing_field")}

    preview = file_preview(file_id=file.pk)
    assert preview.result["drift"]["proposals"][0]["field"] == "unit_price"
    assert not FileDrift.objects.exists()  # undone with the preview's sync
    assert {kind: drift_total(kind) for kind in before} == before

    file_sync(file=file)
    file_sync(file=plain)

    assert {kind: drift_total(kind) - before[kind] for kind in before} == {"new_column": 1, "missing_field": 1}


@pytest.mark.parametrize("header, field, alias", [
    ("Orig. Price", "unit_price", "Original Price"),
    ("订单号", "order_id", "订单编号"),
    ("Unit Price", "unit_price", "unit_price"),
])
def test_a_reworded_header_is_proposed_for_the_missing_field_it_names(header, field, alias):
    mapping = {"unit_price": ["Original Price", "商品原价"], "deal_price": ["Deal Price"], "order_id": ["订单编号"]}

    (proposal,) = proposals(added=[header], mapping=mapping, missing=[field])

    assert (proposal["field"], proposal["alias"]) == (field, alias)
    assert 0.7 <= proposal["score"] <= 1


def test_an_unrelated_column_gets_no_proposal_and_a_present_field_needs_a_near_identical_header():
    mapping = {"quantity": ["Quantity", "数量"], "order_total": ["Grand Total"]}

    assert proposals(added=["Brand New Column"], mapping=mapping, missing=["order_total"]) == []
    # "Returned quantity" is like "Quantity" (0.83), but quantity has its column: not proposed.
    assert proposals(added=["Returned quantity"], mapping=mapping, missing=[]) == []
