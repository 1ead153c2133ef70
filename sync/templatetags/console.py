"""Template filters of the operator's console."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_s(seconds) -> str:
    """A wait as an operator reads it: 45 s, 12 min, 3.5 h, 2.1 d."""
    seconds = float(seconds)
    if seconds < 120:
        return _("%(n)d s") % {"n": seconds}
    if seconds < 2 * 3600:
        return _("%(n)d min") % {"n": seconds // 60}
    if seconds < 2 * 86400:
        return _("%(n).1f h") % {"n": seconds / 3600}
    return _("%(n).1f d") % {"n": seconds / 86400}
