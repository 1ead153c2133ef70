"""Data quality after a sync: completeness of the template's fields per platform / shop / domain / date."""

from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from sync.ingest.rows import TEXT, model_field_type
from sync.models import FACT_MODELS, CatalogFile, DataQualityRecord, FactBase

SCORE_PLACES = Decimal("0.01")


def quality_check(*, files: list[CatalogFile]) -> dict | None:
    """Score every (platform, shop, domain, date) the files wrote and record it; returns the summary
    kept in the task's details (the predecessor's quality_check shape)."""
    records = []
    for domain in {f.data_domain for f in files if f.data_domain in FACT_MODELS}:
        domain_files = [f for f in files if f.data_domain == domain and f.template_id]
        if domain_files:
            records += _score_domain(domain, domain_files)
    if not records:
        return None
    scores = [r.score for r in records]
    return {
        "avg_quality_score": float(sum(scores) / len(scores)),
        "checked_platforms": len({(r.platform_code, r.shop_id) for r in records}),
        "checked_dates": len(records),
        "missing_fields": sorted({f for r in records for f in r.missing_fields}),
        "timestamp": timezone.now().isoformat(),
    }


def _score_domain(domain: str, files: list[CatalogFile]) -> list[DataQualityRecord]:
    model = FACT_MODELS[domain]
    fields = _expected_fields(model, files)
    present = {}
    for name in fields:
        if model_field_type(model._meta.get_field(name)) == TEXT:
            present[name] = Count("id", filter=~Q(**{name: ""}))
        else:
            present[name] = Count(name)
    groups = (model.objects.filter(source_file__in=files)
              .values("platform_code", "shop_id", "business_date")
              .annotate(rows=Count("id"), **{f"has_{k}": v for k, v in present.items()}))
    records = []
    for group in groups:
        rows = group["rows"]
        missing = [f for f in fields if group[f"has_{f}"] < rows]
        filled = sum(group[f"has_{f}"] for f in fields)
        score = Decimal(100 * filled / (rows * len(fields))).quantize(SCORE_PLACES) if fields else Decimal(100)
        records.append(DataQualityRecord(
            platform_code=group["platform_code"], shop_id=group["shop_id"], data_domain=domain,
            business_date=group["business_date"], rows=rows, score=score, missing_fields=missing,
        ))
    # One statement for every date of the files, not an update_or_create (two queries) per date.
    return DataQualityRecord.objects.bulk_create(
        records, update_conflicts=True, unique_fields=["platform_code", "shop_id", "data_domain", "business_date"],
        update_fields=["rows", "score", "missing_fields", "checked_at"],
    )


def _expected_fields(model: type[FactBase], files: list[CatalogFile]) -> list[str]:
    columns = {f.name for f in model._meta.concrete_fields} - set(model.natural_key_fields())
    mapped = set()
    for file in files:
        mapped |= set(file.template.mapping) if file.template else set()
    return sorted(mapped & columns)
