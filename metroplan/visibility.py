"""The permission boundary, applied where nobody can forget it (NetBox's
`restrict` pattern).

Every model's queryset class has `visible_to(user)`: the rows `user` may see.
Models with nothing private say so with UnrestrictedQuerySet. The API's base
viewset (metroplan/api/viewsets.py) applies it to whatever `get_queryset()`
returns; pages load objects from the URL through `get_visible_or_404`, and
filters offer choices through `visible_choices`. An object outside a user's
reach is a 404, never a 403: telling the two apart would leak that it exists.
"""

from django.db import models
from django.shortcuts import get_object_or_404


class UnrestrictedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Nothing in this model is private: every row, to whoever may open the
        page or endpoint at all (that is the view's permission, not the rows')."""
        return self


def visible(user, model_or_queryset):
    """`model_or_queryset` restricted to what `user` may see."""
    if isinstance(model_or_queryset, type) and issubclass(model_or_queryset, models.Model):
        model_or_queryset = model_or_queryset._default_manager.all()
    return model_or_queryset.visible_to(user)


def get_visible_or_404(user, model_or_queryset, **lookup):
    """The object a page names in its URL, if `user` may see it; otherwise 404."""
    return get_object_or_404(visible(user, model_or_queryset), **lookup)


def visible_choices(model):
    """A ModelChoiceFilter's queryset: the `model` rows the request's user may
    see (django-filter calls it with the request; no request sees what an
    anonymous user sees)."""

    def queryset(request):
        return visible(getattr(request, "user", None), model)

    return queryset
