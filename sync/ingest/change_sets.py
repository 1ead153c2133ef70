"""Change sets: what each file's sync did to its fact table, recorded as it commits (issue 17).

Rows a file inserted are not listed one by one: syncs of one place take turns under the sink's lock and
take their ids from the table's sequence, so a file's inserts are the rows of its place with ids in
(after_id, last_id] that carry its file and `synced_at`. Rows it updated are copied, every column, as
the table held them just before (to_jsonb), into PreviousRow. A first sync of new rows thus costs one
statement; only changed rows pay for their copy. sync.services.rollback undoes a change set.
"""

from django.db import connection

from sync.models import FACT_MODELS, ChangeSet, PreviousRow

DOMAIN_OF = {model: domain for domain, model in FACT_MODELS.items()}


def change_sets_record(cursor, sink):
    """One change set per file of `sink` that wrote rows, then the previous values of the rows its staged
    changes are about to overwrite. Called inside the sync's transaction, before the staged upsert."""
    quote = connection.ops.quote_name
    on_place = " AND ".join(f"t.{quote(name)} = %({name})s" for name in sink.place)
    cursor.execute(
        f"INSERT INTO {quote(ChangeSet._meta.db_table)} (file_id, task_id, data_domain, platform_code, shop_id, "
        f"granularity, synced_at, after_id, last_id, rows_inserted, rows_updated, created_at) "
        f"SELECT f.file_id, %(task)s, %(domain)s, %(platform_code)s, %(shop_id)s, %(granularity)s, %(synced_at)s, "
        f"%(after)s, COALESCE(max(t.id), %(after)s), count(t.id), 0, now() "
        f"FROM unnest(%(files)s::bigint[]) AS f(file_id) LEFT JOIN {sink.table} t ON t.id > %(after)s "
        f"AND t.source_file_id = f.file_id AND t.synced_at = %(synced_at)s AND {on_place} "
        f"GROUP BY f.file_id RETURNING id",
        {**sink.place, "task": sink.task_id, "domain": DOMAIN_OF[sink.model], "synced_at": sink.synced_at,
         "after": sink.after_id, "files": sink.file_ids},
    )
    ids = [row[0] for row in cursor.fetchall()]
    if sink.staging:
        _previous_rows_keep(cursor, sink, ids)
    return ids


def _previous_rows_keep(cursor, sink, change_set_ids: list[int]):
    quote = connection.ops.quote_name
    same_key = " AND ".join(f"t.{key} = s.{key}" for key in sink.keys)
    change_sets, previous = quote(ChangeSet._meta.db_table), quote(PreviousRow._meta.db_table)
    cursor.execute(
        f"WITH kept AS (INSERT INTO {previous} (change_set_id, row_id, snapshot) "
        f"SELECT c.id, t.id, to_jsonb(t.*) FROM {sink.stage} s JOIN {sink.table} t ON {same_key} "
        f"JOIN {change_sets} c ON c.file_id = s.source_file_id AND c.id = ANY(%s) RETURNING change_set_id) "
        f"UPDATE {change_sets} c SET rows_updated = counted.rows FROM "
        f"(SELECT change_set_id, count(*) AS rows FROM kept GROUP BY change_set_id) counted "
        f"WHERE c.id = counted.change_set_id",
        [change_set_ids],
    )


def change_set_sql(change_set: ChangeSet) -> tuple[str, str, dict]:
    """The fact table, the condition (on its alias t) of the rows `change_set` wrote, and the parameters
    those and the rollback's statements use."""
    quote = connection.ops.quote_name
    table = quote(FACT_MODELS[change_set.data_domain]._meta.db_table)
    touched = (f"(t.id > %(after)s AND t.id <= %(last)s AND t.platform_code = %(platform_code)s "
               f"AND t.shop_id = %(shop_id)s AND t.granularity = %(granularity)s) "
               f"OR t.id IN (SELECT row_id FROM {quote(PreviousRow._meta.db_table)} "
               f"WHERE change_set_id = %(change_set)s)")
    params = {"after": change_set.after_id, "last": change_set.last_id, "platform_code": change_set.platform_code,
              "shop_id": change_set.shop_id, "granularity": change_set.granularity, "change_set": change_set.pk,
              "file": change_set.file_id, "synced_at": change_set.synced_at}
    return table, touched, params
