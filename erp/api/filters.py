"""Query-string filters shared by the apps' lists."""

from datetime import UTC

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class StorableIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that the database can compare with: taken to UTC here, so an offset that
    Python accepts but PostgreSQL cannot store (beyond ±15:59) never reaches it, and a moment that falls
    outside the calendar once in UTC (year 1 at +01:00) is refused as invalid, not a server error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Enter a date-time between the years 1 and 9999 in UTC."),
                                        code="invalid") from None


class IsoDateTimeFilter(df.IsoDateTimeFilter):
    field_class = StorableIsoDateTimeField
