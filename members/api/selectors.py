"""Read paths for members and regions through the API. Their compliance comes
from the figures engine (ApiViewSet.figure_kind)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from members.models import Member, Region


def members_for_api():
    return Member.objects.select_related("region")


def regions_for_api():
    members = Member.objects.filter(region=OuterRef("pk")).order_by().values("region").annotate(n=Count("pk"))
    return Region.objects.annotate(member_count=Coalesce(Subquery(members.values("n")[:1]), 0))
