"""The search page: words across the narratives, reviewers' comments and
evidence titles of the updates the user may see, with the updates list's
filters (reporting/filtersets.py, shared with the API), best match first, each
with its highlighted snippets (reporting/search.py)."""

import html

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from actions.models import Action, Goal
from members.models import Member, Region
from reporting.filtersets import ProgressUpdateFilterSet
from reporting.models import ProgressUpdate, ReportingPeriod
from reporting.search import ranked_at_most, search_matches

RESULTS_PER_PAGE = 20
FILTERS = ("search", "goal", "action", "member", "region", "period")


@login_required
@require_GET
def search(request):
    params = request.GET.copy()
    for name in set(params) - {*FILTERS, "page"}:
        params.pop(name)
    updates = ProgressUpdate.objects.visible_to(request.user).select_related("member", "action", "period")
    filterset = ProgressUpdateFilterSet(params, queryset=updates)
    text = params.get("search", "").strip()
    page, matches, capped = None, {}, None
    if text and filterset.is_valid():
        page = Paginator(filterset.qs, RESULTS_PER_PAGE).get_page(params.get("page"))
        matches = search_matches(
            update_ids=[update.pk for update in page], text=text, preferred=get_language(),
        )
        for update in page:
            update.search_match = matches.get(update.pk)
        cap = ranked_at_most()
        capped = cap if cap is not None and page.paginator.count >= cap else None
    params.pop("page", None)
    return render(request, "reporting/search.html", {
        "filterset": filterset, "text": text, "page": page, "query": params.urlencode(), "capped": capped,
        "selected": {name: params.get(name, "") for name in FILTERS},
        "regions": Region.objects.all(),
        "member_options": _member_options(params.get("member")),
        "goals": Goal.objects.filter(plan__is_current=True).order_by("order"),
        "actions": Action.objects.filter(goal__plan__is_current=True).order_by("goal__order", "order"),
        "periods": ReportingPeriod.objects.visible_to(request.user).filter(plan__is_current=True).order_by("-start"),
    })


def _member_options(selected: str | None) -> str:
    """One <option> per member, written at once: a template loop, or format_html
    for each, takes a second for the 14,000 members of the bench (bench/search.py)."""
    return mark_safe("".join(  # noqa: S308 - every value escaped
        f'<option value="{html.escape(slug)}"{" selected" if slug == selected else ""}>{html.escape(name)}</option>'
        for slug, name in Member.objects.order_by("name").values_list("slug", "name")
    ))
