"""Staff's page for the open-data package and the integrations: the package's
state (building it if the data changed) and where integrators find the feed,
the webhooks and the docs."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from metroplan.permissions import is_secretariat
from reporting.open_data import RESOURCES, package_current, package_latest_built


@login_required
@require_safe
def open_data(request):
    if not is_secretariat(request.user):
        raise Http404
    package, built = package_current()
    return render(request, "reporting/open_data/page.html", {
        "package": package, "built": built, "latest": package_latest_built(), "resources": RESOURCES,
    })
