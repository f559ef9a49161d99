"""The `explain` object beside a figure field ("show the math" in the API):
the figures engine's Figure.as_dict(), documented here for the OpenAPI schema
(the engine lives in reporting/, above the apps whose resources carry figures)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers

# Entries of each list of an explanation unless `explain=full` is asked for: a
# response does not grow with the network (a page's "show the math" shows as many).
EXPLAIN_LIMIT = 20

EXPLAIN_PARAMETER = OpenApiParameter(
    "explain", OpenApiTypes.STR, enum=["full"], required=False,
    description=f"`full`: every value behind each figure in `explain` (by default at most {EXPLAIN_LIMIT} entries "
                "in each of its lists, with `details_total`, `left_out_total` and `truncated` saying what was cut).",
)


def explain_limit(request) -> int | None:
    """The number of entries of each list of an `explain` object that
    `request` asks for: EXPLAIN_LIMIT, or None (all) with `explain=full`;
    anything else is a 400 naming the parameter."""
    if request is None or "explain" not in request.query_params:
        return EXPLAIN_LIMIT
    if request.query_params.getlist("explain") != ["full"]:
        raise exceptions.ValidationError({"explain": [
            _("Only full can be asked for: explain=full lists every value behind each figure.")]})
    return None


class ExplainInputSerializer(serializers.Serializer):
    member = serializers.CharField(help_text="The member's name.")
    period = serializers.CharField(help_text="The period the value was reported for.")
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True, help_text="A ratio indicator's numerator.")
    denominator = serializers.FloatField(allow_null=True, help_text="A ratio indicator's denominator.")
    approved_at = serializers.DateTimeField(allow_null=True, help_text="When the value was approved.")
    carried_forward = serializers.BooleanField(
        help_text="True: the member did not report in the figure's period; its latest approved value counts."
    )


class ExplainLeftOutSerializer(serializers.Serializer):
    member = serializers.CharField()
    period = serializers.CharField()
    reason = serializers.CharField(help_text="Why the value was not counted.")


class ExplainStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["on_track", "at_risk", "off_track"],
                                     help_text="The status computed from the actual value, the period's target "
                                               "and the trend.")
    label = serializers.CharField()
    explanation = serializers.CharField(help_text="The numbers and the thresholds behind it.")
    typed = serializers.CharField(required=False, help_text="An action's typed status (never changed).")
    typed_label = serializers.CharField(required=False)
    disagrees = serializers.BooleanField(required=False, help_text="Whether the typed status disagrees.")


class ExplainSerializer(serializers.Serializer):
    """How a figure was made: its rule, its inputs, what was left out and its coverage."""

    value = serializers.FloatField(allow_null=True, help_text="The figure, 0..1 for progress.")
    percent = serializers.IntegerField(allow_null=True)
    rule = serializers.CharField(help_text="The rule, in words, in the request's language.")
    inputs = serializers.ListField(child=serializers.CharField(), help_text="The inputs, in words.")
    left_out = serializers.ListField(child=serializers.CharField(), help_text="What was left out and why, in words.")
    covered = serializers.IntegerField(allow_null=True)
    expected = serializers.IntegerField(allow_null=True)
    coverage = serializers.CharField(help_text='E.g. "approved data from 97 of 141 expected members".')
    coverage_label = serializers.CharField()
    details = ExplainInputSerializer(many=True, help_text="Each value behind the figure (the first 20 unless "
                                                          "`explain=full`).")
    left_out_details = ExplainLeftOutSerializer(many=True)
    details_total = serializers.IntegerField(help_text="How many values are behind the figure in all.")
    left_out_total = serializers.IntegerField(help_text="How many values were left out in all.")
    truncated = serializers.BooleanField(help_text="Whether a list was cut to its first 20 entries "
                                                   "(ask `explain=full` for all).")
    result = serializers.CharField(help_text="The result in words.")
    status = ExplainStatusSerializer(allow_null=True)
    carried = serializers.IntegerField(allow_null=True, help_text="Values carried forward from earlier periods.")


def explain_field(**kwargs):
    return ExplainSerializer(read_only=True, allow_null=True, help_text="How the progress figure was made.", **kwargs)
