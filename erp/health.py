"""Liveness: answers without touching the database, cache or broker."""

from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})
