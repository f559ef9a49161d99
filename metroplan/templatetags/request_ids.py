"""{% request_id %}: the current request's id (metroplan.logging), for pages
that must show it even when rendered without a request context (500.html)."""

from django import template

from metroplan.logging import current_request_id

register = template.Library()


@register.simple_tag
def request_id() -> str:
    return current_request_id() or ""
