"""Field templates: installing the built-in ones and choosing the one for a file."""

from django.db import transaction
from django.db.models import Q

from sync.builtin_templates import BUILTIN_TEMPLATES
from sync.ingest.headers import header_key
from sync.models import CatalogFile, FieldTemplate

BUILTIN_VERSION = 1


@transaction.atomic
def templates_install_builtin(*, overwrite: bool = False, template_model=FieldTemplate) -> int:
    """Create the built-in templates that are missing (or reset them all with `overwrite`), so
    edits made in the admin survive a deploy. Returns how many were written."""
    written = 0
    for spec in BUILTIN_TEMPLATES:
        key = {
            "platform_code": spec["platform_code"],
            "data_domain": spec["data_domain"],
            "granularity": spec.get("granularity", FieldTemplate.ANY_GRANULARITY),
            "version": BUILTIN_VERSION,
        }
        values = {k: v for k, v in spec.items() if k not in key}
        values["is_builtin"] = True
        if overwrite:
            template_model.objects.update_or_create(**key, defaults=values)
            written += 1
        else:
            _, created = template_model.objects.get_or_create(**key, defaults=values)
            written += created
    return written


def template_resolve(*, file: CatalogFile) -> FieldTemplate | None:
    """The active template for the file's platform and domain: its own granularity before 'any',
    then the highest version."""
    candidates = FieldTemplate.objects.filter(
        Q(granularity=file.granularity) | Q(granularity=FieldTemplate.ANY_GRANULARITY),
        platform_code=file.platform_code,
        data_domain=file.data_domain,
        is_active=True,
    )
    return min(candidates, key=lambda t: (t.granularity != file.granularity, -t.version), default=None)


def _merged_aliases(installed: list[str], shipped: list[str]) -> list[str]:
    seen = {header_key(a) for a in installed}
    merged = list(installed)
    for alias in shipped:
        if header_key(alias) not in seen:
            seen.add(header_key(alias))
            merged.append(alias)
    return merged


@transaction.atomic
def templates_merge_builtin_aliases(*, template_model=FieldTemplate) -> int:
    """Add the shipped aliases and known columns to the installed built-in templates, keeping those an
    operator added (theirs first), so a new language or export column reaches existing installs without
    a reset. Returns how many templates changed."""
    changed = 0
    for spec in BUILTIN_TEMPLATES:
        installed = template_model.objects.select_for_update().filter(
            is_builtin=True,
            platform_code=spec["platform_code"],
            data_domain=spec["data_domain"],
            granularity=spec.get("granularity", FieldTemplate.ANY_GRANULARITY),
        )
        for template in installed:
            mapping = dict(template.mapping or {})
            for canonical, aliases in spec["mapping"].items():
                mapping[canonical] = _merged_aliases(list(mapping.get(canonical, [])), aliases)
            options = dict(template.options or {})
            if shipped := spec.get("options", {}).get("known_columns"):
                options["known_columns"] = _merged_aliases(list(options.get("known_columns", [])), shipped)
            if mapping != template.mapping or options != template.options:
                template.mapping, template.options = mapping, options
                template.save(update_fields=["mapping", "options"])
                changed += 1
    return changed
