"""Read paths of the plan for the API: a fixed number of queries per page
whatever its length. Figures come from the figures engine."""


from django.db.models import Prefetch

from actions.models import Action, Goal, Indicator, Milestone, Plan


def plans_for_api():
    """Plans; their figures (progress, goal and action counts) come from the
    figures engine for the page (ApiViewSet.figure_kind)."""
    return Plan.objects.all()


def goals_for_api():
    return Goal.objects.select_related("plan").prefetch_related("sdgs")


def indicators_for_api():
    return Indicator.objects.select_related("action__goal__plan").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("year"))
    )


def actions_for_api():
    """Actions; SDGs and members are added for the page by action_links() (plain
    values, not 700 member instances), figures by the figures engine."""
    return Action.objects.select_related("goal__plan", "lead")


def action_links(action_ids, *, members: bool = True) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """({action id: SDG numbers}, {action id: member slugs}), each in order: two
    queries (one without the members' slugs: `members=False` gives {})."""
    sdgs: dict[int, list[int]] = {pk: [] for pk in action_ids}
    slugs: dict[int, list[str]] = {pk: [] for pk in action_ids}
    for action_id, number in (
        Action.sdgs.through.objects.filter(action_id__in=action_ids)
        .order_by("sustainabledevelopmentgoal_id")
        .values_list("action_id", "sustainabledevelopmentgoal_id")
    ):
        sdgs[action_id].append(number)
    if not members:
        return sdgs, {}
    for action_id, slug in (
        Action.participants.through.objects.filter(action_id__in=action_ids)
        .order_by("member__slug")
        .values_list("action_id", "member__slug")
    ):
        slugs[action_id].append(slug)
    return sdgs, slugs
