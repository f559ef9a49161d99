"""Site-wide views: the overview and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from actions.models import Plan


@login_required
def overview(request):
    plan = Plan.objects.current()
    return render(request, "overview.html", {"plan": plan})


def healthz(request):
    """Database, cache and broker (503 if one fails), and when beat last ran."""
    from reporting.health import run_checks

    healthy, checks = run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
