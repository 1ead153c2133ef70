"""A file's drift from its template (issue 17, drift contracts as dlt names them): the columns the template
does not know, the optional fields with no column, and for each new column the field it most likely is."""

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from sync.errors import FileRejected
from sync.ingest.headers import HeaderMatch, header_key
from sync.models import FieldTemplate, OnMissingField, OnNewColumn

# A new column is proposed as the alias of a field with no column in the file from this similarity (0-1)
# up: a shortened or reworded header scores 0.75-0.85 ("原价" for "商品原价" 0.83, "Orig Price" for
# "Original Price" 0.77, "订单号" for "订单编号" 0.83) and an unrelated one below 0.6 ("Brand New Column").
PROPOSAL_MIN_SCORE = 0.7
# ... and of a field that has its column from this one up: measured on the demo exports, the columns they
# carry beside the mapped ones score up to 0.89 against those ("Buyers (Confirmed Order)" against
# "Confirmed Order"), so only a near-identical second spelling is worth proposing there.
PROPOSAL_MIN_SCORE_PRESENT = 0.9
NEW_COLUMN = "new_column"
MISSING_FIELD = "missing_field"
DRIFT_KINDS = (NEW_COLUMN, MISSING_FIELD)


@dataclass
class Drift:
    columns_added: list[str] = field(default_factory=list)  # source headers, as the file writes them
    fields_missing: list[str] = field(default_factory=list)  # optional mapped fields with no column
    proposals: list[dict] = field(default_factory=list)  # {header, field, alias, score, field_missing}

    def __bool__(self) -> bool:
        return bool(self.columns_added or self.fields_missing)

    def as_dict(self) -> dict:
        """What a sync's result carries: empty when the file matches its template."""
        if not self:
            return {}
        return {"columns_added": self.columns_added, "fields_missing": self.fields_missing,
                "proposals": self.proposals}


def drift_kinds(drift: dict) -> list[str]:
    """The kinds of drift of a result's `drift` (Drift.as_dict), as /metrics counts them."""
    return [kind for kind, key in ((NEW_COLUMN, "columns_added"), (MISSING_FIELD, "fields_missing"))
            if drift.get(key)]


def header_drift(*, header: HeaderMatch, template: FieldTemplate) -> Drift:
    known = known_column_keys(template)
    added = [name for name in header.unmapped_columns if header_key(name) not in known]
    required = set(template.required_fields or ())
    missing = [name for name in header.missing_fields if name not in required]
    return Drift(added, missing, proposals(added=added, mapping=template.mapping, missing=missing))


def known_column_keys(template: FieldTemplate) -> set[str]:
    """Headers that are no drift: every alias, and the columns the template knows but does not map."""
    options = template.options or {}
    names = [alias for aliases in (template.mapping or {}).values() for alias in aliases]
    names += [*options.get("known_columns", []), *options.get("keep_in_extra", [])]
    return {header_key(name) for name in names}


def proposals(*, added: list[str], mapping: dict[str, list[str]], missing: list[str]) -> list[dict]:
    """For each new column, the field whose alias (or name) it is most like, when alike enough; a field that
    has no column in the file goes first (a renamed column leaves its field missing), and each field and each
    column is proposed once, best pairs first."""
    candidates = []
    for header in added:
        for name, (alias, score) in _best_aliases(header, mapping).items():
            if score >= (PROPOSAL_MIN_SCORE if name in missing else PROPOSAL_MIN_SCORE_PRESENT):
                candidates.append((name in missing, score, header, name, alias))
    taken_headers, taken_fields, chosen = set(), set(), {}
    for is_missing, score, header, name, alias in sorted(candidates, key=lambda c: (c[0], c[1]), reverse=True):
        if header in taken_headers or name in taken_fields:
            continue
        taken_headers.add(header)
        taken_fields.add(name)
        chosen[header] = {"header": header, "field": name, "alias": alias, "score": round(score, 2),
                          "field_missing": is_missing}
    return [chosen[header] for header in added if header in chosen]


def _best_aliases(header: str, mapping: dict[str, list[str]]) -> dict[str, tuple[str, float]]:
    key = header_key(header)
    best = {}
    for name, aliases in mapping.items():
        best[name] = max(((alias, similarity(key, header_key(alias))) for alias in [*aliases, name]),
                         key=lambda pair: pair[1])
    return best


def similarity(a: str, b: str) -> float:
    """0-1: the mean of rapidfuzz's ratio (whole strings alike) and partial_ratio (one inside the other),
    so a header shortened to a part of its alias ("原价" in "商品原价") scores well without a short word
    found inside any long header scoring 1."""
    if not a or not b:
        return 0.0
    return (fuzz.ratio(a, b) + fuzz.partial_ratio(a, b)) / 200


def contract_refusal(drift: Drift, template: FieldTemplate) -> FileRejected | None:
    """The template's contract refuses the file for its new columns or missing fields (nothing is written)."""
    if drift.columns_added and template.on_new_column == OnNewColumn.FREEZE:
        return FileRejected(
            f"new column(s) the template does not know (on_new_column=freeze): {', '.join(drift.columns_added)}; "
            f"map them or list them in options.known_columns", code="drift_new_column")
    if drift.fields_missing and template.on_missing_field == OnMissingField.FREEZE:
        return FileRejected(
            "optional field(s) with no column (on_missing_field=freeze): "
            + ", ".join(f"{name} (any of {template.mapping[name]})" for name in drift.fields_missing),
            code="drift_missing_field")
    return None
