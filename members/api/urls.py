from members.api import views


def register(router) -> None:
    router.register("members", views.MemberViewSet, basename="member")
    router.register("regions", views.RegionViewSet, basename="region")
