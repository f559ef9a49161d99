"""The health check."""

from django.http import JsonResponse

from reporting.health import run_checks


def healthz(request):
    """Database, cache and broker (503 if one fails), and when beat last ran."""
    healthy, checks = run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
