"""What a file's sync depended on, in one digest: the file's bytes, its template, its shop's settings, the
sync's options and the engine's own code. A re-sync whose digest equals the last successful sync's, and
whose rows all still hold what that sync wrote, has nothing to do: it costs a hash of the file instead of
a read (issue 16: a re-sync of an unchanged file at most half the first sync)."""

import hashlib
import json
from dataclasses import asdict
from functools import cache
from pathlib import Path

from django.conf import settings

_CHUNK = 4 * 1024 * 1024


@cache
def engine_digest() -> str:
    """The engine's source: a change to how any cell is read makes every file worth reading again."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sync_fingerprint(*, path: Path, file, template, account, options) -> str:
    """`file` a CatalogFile, `account` its PlatformAccount or None, `options` the SyncOptions."""
    depends_on = {
        "content": file_sha256(path),
        "file": [file.platform_code, file.shop_id, file.granularity, str(file.period_start), file.number_locale],
        "template": [template.pk, template.updated_at.isoformat() if template.updated_at else ""],
        "account": account and [account.region, account.timezone, account.number_locale],
        "default_timezone": settings.ERP_DEFAULT_SHOP_TIMEZONE,
        "options": asdict(options),
        "engine": engine_digest(),
    }
    return hashlib.sha256(json.dumps(depends_on, sort_keys=True, default=str).encode()).hexdigest()
