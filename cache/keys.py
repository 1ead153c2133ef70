"""The key scheme: erp:{cache_type}:{hash of parameters}; stats, locks and generations live beside it
under their own first segment, so a pattern over one type matches that type's values and nothing else."""

import hashlib
import json

from django.conf import settings

PREFIX = "erp"
STAT_NAMES = ("hits", "misses", "sets", "invalidations")


def cache_types() -> list[str]:
    return list(settings.ERP_CACHE_TTL_S)


def ttl_of(cache_type: str) -> int:
    return settings.ERP_CACHE_TTL_S[cache_type]


def value_key(cache_type: str, params, generation: int | None = None) -> str:
    """`generation` is folded into the hash on stores that cannot delete by pattern (see services)."""
    material = params if generation is None else [params, generation]
    digest = hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{PREFIX}:{cache_type}:{digest}"


def type_pattern(cache_type: str) -> str:
    return f"{PREFIX}:{cache_type}:*"


def lock_key(key: str) -> str:
    return f"{PREFIX}:lock:{key.removeprefix(PREFIX + ':')}"


def generation_key(cache_type: str) -> str:
    return f"{PREFIX}:generation:{cache_type}"


def stat_key(cache_type: str, name: str) -> str:
    return f"{PREFIX}:stats:{cache_type}:{name}"
