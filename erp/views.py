"""The landing page at /: where a newcomer goes next (admin, API docs, health), in the caller's language."""

from django.conf import settings
from django.shortcuts import render


def landing(request):
    return render(request, "erp/landing.html", {"embedded": settings.EMBEDDED_DATABASE})
