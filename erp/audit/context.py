"""Who is acting, and from where, for the audit records written meanwhile: set once per request by the
middleware, per management command by the command, and read when a record is saved."""

import contextlib
import getpass
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditSource(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    COMMAND = "command", _("command")
    SYSTEM = "system", _("system")


@dataclass(frozen=True)
class AuditContext:
    source: str = AuditSource.SYSTEM
    # A user, or the request whose user is read when a record is saved: DRF authenticates a token inside
    # the view and sets the user on the same request, after this context was opened.
    actor: Any = None
    request: Any = None
    actor_name: str = ""
    remote_addr: str | None = None

    def resolve_actor(self):
        user = self.actor if self.actor is not None else getattr(self.request, "user", None)
        return user if getattr(user, "is_authenticated", False) else None


_current: ContextVar[AuditContext] = ContextVar("audit_context", default=AuditContext())


def audit_context_current() -> AuditContext:
    return _current.get()


@contextlib.contextmanager
def audit_context(*, source: str, actor=None, request=None, actor_name: str = "", remote_addr: str | None = None):
    token = _current.set(AuditContext(source=source, actor=actor, request=request, actor_name=actor_name,
                                      remote_addr=remote_addr))
    try:
        yield
    finally:
        _current.reset(token)


def command_context():
    """A management command acts as the operating-system user who ran it (no Django login there)."""
    return audit_context(source=AuditSource.COMMAND, actor_name=f"os:{getpass.getuser()}")
