"""The predecessor's /api/data-sync/* contract (PREDECESSOR_API.md 1 and 5): its status codes, field names,
vocabularies and envelope, as serializers and thin views over the same services and selectors as the
modern API (/api/sync-tasks/, /api/catalog-files/)."""
