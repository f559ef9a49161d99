"""GET /api/v1/export/: the open-data package (reporting.open_data)."""

from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.response import Response

from metroplan.api.viewsets import ApiViewSet
from metroplan.files import serve_file
from reporting.models import OpenDataPackage
from reporting.open_data import PACKAGE_NAME, package_current

RETRY_AFTER_SECONDS = 10


class OpenDataPackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpenDataPackage
        fields = ["key", "state"]
        read_only_fields = fields


class OpenDataViewSet(ApiViewSet):
    """The open-data package: a zip with one CSV per resource of the approved,
    public data (as any API reader sees it) and a Frictionless `datapackage.json`
    describing every field. Built in the background and kept until the data
    changes: while it is being built the answer is 202 with Retry-After; ask
    again then."""

    serializer_class = OpenDataPackageSerializer
    queryset = OpenDataPackage.objects.all()
    file_actions = {"package": ()}
    # octet-stream first: generated clients (openapi-python-client) read it as bytes; the answer is a zip.
    file_content_types = {"package": ["application/octet-stream", "application/zip"]}
    file_extra_responses = {
        "package": {
            "202": {
                "description": "Being built: ask again after Retry-After seconds.",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "state": {"type": "string", "enum": ["queued", "running"]},
                        "key": {"type": "string"}, "message": {"type": "string"},
                    }},
                    "example": {"state": "queued", "key": "1520-4f0c", "message": "Being built."},
                }},
            }
        }
    }
    summaries = {"package": "Download the open-data package"}

    def package(self, request, *args, **kwargs):
        """Download the open-data package (a zip of CSVs and datapackage.json)."""
        package, built = package_current()
        if not built:
            return Response(
                {"state": package.state, "key": package.key,
                 "message": _("The open-data package is being built: ask again in a few seconds.")},
                status=status.HTTP_202_ACCEPTED, headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return serve_file(request, package.file, filename=f"{PACKAGE_NAME}.zip", content_type="application/zip")
