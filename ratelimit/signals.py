"""A change of a user's override, role groups or staff flag applies to that user's next request."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from ratelimit.models import RateLimitOverride
from ratelimit.services import caller_forget

User = get_user_model()


@receiver([post_save, post_delete], sender=RateLimitOverride)
def override_changed(sender, instance, **kwargs):
    caller_forget(instance.user_id)


@receiver(post_save, sender=User)
def user_changed(sender, instance, **kwargs):
    caller_forget(instance.pk)


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, User):
        caller_forget(instance.pk)
    else:  # users added to or removed from a group, seen from the group's side
        for user_id in pk_set or User.objects.filter(groups=instance).values_list("pk", flat=True):
            caller_forget(user_id)
