"""The `explain` object beside a figure field ("show the math" in the API):
the figures engine's Figure.as_dict(), documented here for the OpenAPI schema
(the engine lives in reporting/, above the apps whose resources carry figures)."""

from rest_framework import serializers


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
    details = ExplainInputSerializer(many=True, help_text="Each value behind the figure.")
    left_out_details = ExplainLeftOutSerializer(many=True)
    result = serializers.CharField(help_text="The result in words.")
    status = ExplainStatusSerializer(allow_null=True)
    carried = serializers.IntegerField(allow_null=True, help_text="Values carried forward from earlier periods.")


def explain_field(**kwargs):
    return ExplainSerializer(read_only=True, allow_null=True, help_text="How the progress figure was made.", **kwargs)
