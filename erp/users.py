"""API users: roles are groups (admin / premium / normal) and each user gets a token."""

from django.contrib.auth.models import Group, User
from django.db import transaction
from rest_framework.authtoken.models import Token

ROLES = ("admin", "premium", "normal")


def user_role(user) -> str:
    """The user's role: staff count as admin; without a role group, normal. One query (the groups)."""
    if user.is_staff:
        return "admin"
    return _role(is_staff=False, groups=user.groups.values_list("name", flat=True))


def user_roles(user_ids) -> dict:
    """Each user's role (as user_role), in one query whatever the number of users."""
    found: dict = {}
    for pk, is_staff, group in User.objects.filter(pk__in=user_ids).values_list("pk", "is_staff", "groups__name"):
        found.setdefault(pk, (is_staff, set()))[1].add(group)
    return {pk: _role(is_staff=is_staff, groups=groups) for pk, (is_staff, groups) in found.items()}


def _role(*, is_staff: bool, groups) -> str:
    if is_staff:
        return "admin"
    names = set(groups)
    return next((role for role in ROLES if role in names), "normal")


@transaction.atomic
def api_user_create(*, username: str, role: str, password: str | None = None) -> str:
    from erp.audit.services import user_role_record, user_role_state

    before = user_role_state(user_id=User.objects.filter(username=username).values_list("pk", flat=True).first())
    user, _ = User.objects.get_or_create(username=username)
    user.is_staff = user.is_superuser = role == "admin"
    if password:
        user.set_password(password)
    elif not user.has_usable_password():
        user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    user_role_record(user=user, before=before)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
