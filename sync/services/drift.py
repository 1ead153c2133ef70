"""A file's drift from its template, kept per file (sync.ingest.drift finds it), and accepting its proposals:
each proposed header becomes an alias of its field in a new version of the template (issue 17)."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from erp.audit.models import AuditOperation
from erp.audit.services import audit_record
from erp.errors import ApplicationError
from sync.ingest.headers import header_key
from sync.models import CatalogFile, FieldTemplate, FileDrift


class DriftNotAcceptable(ApplicationError):
    code = "drift_not_acceptable"
    http_status = 409
    error_type = "ConflictError"
    recovery_suggestion = _lazy("Only a drift with proposals can be accepted, once; map other columns by editing "
                                "the template.")


def drift_record(*, file: CatalogFile, template: FieldTemplate, drift: dict) -> FileDrift | None:
    """The file's drift as its latest sync found it, replacing the proposals its earlier syncs left
    unaccepted (accepted ones stay: they say where a template version came from). Called before the sync's
    outcome is written, so `file.last_result` still tells whether an earlier sync left one: a file that
    never drifted costs no query (issue 16: a batch of small files pays per query per file)."""
    if not drift and not (file.last_result or {}).get("drift"):
        return None
    with transaction.atomic():
        FileDrift.objects.filter(file=file, accepted_at__isnull=True).delete()
        if not drift:
            return None
        return FileDrift.objects.create(file=file, template=template, columns_added=drift["columns_added"],
                                        fields_missing=drift["fields_missing"], proposals=drift["proposals"])


def drift_accept(*, drift_id: int, by=None) -> FieldTemplate:
    """Add the drift's proposed headers as aliases of their fields in a new version of its template (the
    highest version + 1, active, copied from the active version the resolver picks now, so aliases accepted
    before are kept); the older versions stay. Returns the template the next file of that shape uses."""
    with transaction.atomic():
        drift = FileDrift.objects.select_for_update().select_related("template").get(pk=drift_id)
        if drift.accepted_at is not None:
            raise DriftNotAcceptable(_("Drift %(id)d was accepted already.") % {"id": drift.pk},
                                     code="drift_already_accepted")
        if not drift.proposals:
            raise DriftNotAcceptable(_("Drift %(id)d has no proposal to accept.") % {"id": drift.pk},
                                     code="drift_without_proposal")
        base, next_version = _current_version(drift.template)
        mapping = _with_aliases(base.mapping, drift.proposals)
        template = base if mapping == base.mapping else _new_version(base, next_version, mapping)
        FileDrift.objects.filter(pk=drift.pk).update(accepted_at=timezone.now(), accepted_by=by,
                                                     accepted_template=template)
        audit_record(instance=template, operation=AuditOperation.DRIFT_ACCEPT,
                     before={"version": base.version}, after={"version": template.version},
                     extra={"drift_id": drift.pk, "file_id": drift.file_id, "proposals": drift.proposals})
    return template


def _current_version(template: FieldTemplate) -> tuple[FieldTemplate, int]:
    """The highest active version of the template's platform, domain and granularity (the template itself
    when none is active), and the next free version number; every version locked until the commit, so two
    accepts never take the same number."""
    family = FieldTemplate.objects.select_for_update().filter(
        platform_code=template.platform_code, data_domain=template.data_domain, granularity=template.granularity)
    versions = list(family.order_by("-version"))
    base = next((t for t in versions if t.is_active), template)
    return base, family.aggregate(top=Max("version"))["top"] + 1


def _with_aliases(mapping: dict[str, list[str]], proposals: list[dict]) -> dict[str, list[str]]:
    """The mapping with each proposal's header added to its field's aliases (after them: the template's own
    spellings still win when a file has both), unless the field already has that spelling or is gone."""
    merged = {name: list(aliases) for name, aliases in mapping.items()}
    for proposal in proposals:
        aliases = merged.get(proposal["field"])
        if aliases is not None and header_key(proposal["header"]) not in {header_key(a) for a in aliases}:
            aliases.append(proposal["header"])
    return merged


def _new_version(base: FieldTemplate, version: int, mapping: dict) -> FieldTemplate:
    copy = FieldTemplate.objects.get(pk=base.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.version, copy.is_active, copy.mapping = version, True, mapping
    copy.save()
    return copy
