from actions.api import views


def register(router) -> None:
    router.register("plans", views.PlanViewSet, basename="plan")
    router.register("goals", views.GoalViewSet, basename="goal")
    router.register("actions", views.ActionViewSet, basename="action")
    router.register("indicators", views.IndicatorViewSet, basename="indicator")
