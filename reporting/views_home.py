"""`/`: each person's home. A focal point lands on their city, a secretariat
member on their desk; anyone else (a signed-in user without a role, or an
anonymous visitor when PUBLIC_DASHBOARD opens the public view) on the network
overview, which stays at /overview/ for everyone."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from metroplan.permissions import is_secretariat, member_of
from reporting import selectors_home
from reporting.dashboards import percent, series_chart
from reporting.views_dashboards import overview


@require_safe
def home(request):
    if is_secretariat(request.user):
        return render(request, "reporting/home_staff.html", {"home": selectors_home.staff_home(request.user)})
    member = member_of(request.user)
    if member is None:
        return overview(request)
    home = selectors_home.city_home(member, request.user)
    chart = series_chart(
        [period.code for period, _city, _network in home.compliance],
        [
            (member.name, [percent(city.value) for _period, city, _network in home.compliance]),
            (_("Network"), [percent(network.value) for _period, _city, network in home.compliance]),
        ],
    )
    chart["series"][1].update(color="#5b6475", style="dashed")
    return render(request, "reporting/home_city.html", {"home": home, "compliance_chart": chart})
