"""The beat scheduler: django-celery-beat's DatabaseScheduler, run by exactly one beat at a time.

A beat only schedules while it holds a lock that dies with its process: a PostgreSQL session advisory
lock on a connection of its own (the server drops it when the process or its connection dies), or, on
the embedded default, an flock on var/beat.lock. A second beat stands by and takes over when it can.
"""

import fcntl
import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)
# Any constant of our own; two beats of this service agree on it.
ADVISORY_LOCK_KEY = 0x45_52_50_42  # "ERPB"
STANDBY_POLL_S = 5.0


class BeatLock:
    def __init__(self):
        self.held = False
        self._connection = None
        self._file = None

    def acquire(self) -> bool:
        postgres = connections["default"].vendor == "postgresql"
        try:
            self.held = self._acquire_postgres() if postgres else self._acquire_file()
        except (DatabaseError, OSError) as exc:
            logger.warning("beat lock: cannot be taken now (%s)", exc)
            self._connection = None
            self.held = False
        return self.held

    def _acquire_postgres(self) -> bool:
        if self._connection is None:
            # A connection of its own: Django closes its request connections, which would drop the lock.
            self._connection = connections.create_connection("default")
        with self._connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            return cursor.fetchone()[0]

    def _acquire_file(self) -> bool:
        if self._file is None:
            path = Path(settings.VAR_DIR) / "beat.lock"
            self._file = path.open("a")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def still_held(self) -> bool:
        """The lock's connection is alive (a database restart would have released it)."""
        if self._connection is None:
            return self.held
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            self._connection, self.held = None, False
        return self.held


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self.beat_lock = BeatLock()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if not self.beat_lock.still_held():
            if not self.beat_lock.acquire():
                logger.info("beat: another beat holds the lock; standing by")
                return STANDBY_POLL_S
            logger.warning("beat: lock acquired; this beat schedules")
        return super().tick(*args, **kwargs)
