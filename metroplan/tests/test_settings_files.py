"""Where private files live and how they are delivered is a setting, read
strictly: the file system by default, S3-compatible object storage with
FILES_STORAGE=s3 (django-storages), delivery by Django, nginx or a signed URL."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'private': settings.STORAGES['private'], 'delivery': settings.PRIVATE_FILES_DELIVERY, "
    "'media_url': settings.MEDIA_URL}))"
)


def load(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "FILES_", "PRIVATE_FILES_"))}
    clean.update({"SECRET_KEY": "s3cret-value", "DJANGO_SETTINGS_MODULE": "metroplan.settings", **env})
    clean.pop("METROPLAN_TESTING", None)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_by_default_files_are_on_the_file_system_streamed_by_django_with_no_public_url():
    result = load()
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["private"] == {"BACKEND": "metroplan.files.PrivateFileSystemStorage"}
    assert shown["delivery"] == "stream" and "media" not in shown["media_url"]


def test_s3_is_a_setting_and_downloads_then_redirect_to_signed_urls():
    result = load(
        FILES_STORAGE="s3", S3_BUCKET="metroplan", S3_ENDPOINT_URL="https://s3.example.org", S3_REGION="fr-par",
        S3_ACCESS_KEY_ID="id", S3_SECRET_ACCESS_KEY="secret", PRIVATE_FILES_URL_EXPIRY="120",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["private"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = shown["private"]["OPTIONS"]
    assert options["bucket_name"] == "metroplan" and options["endpoint_url"] == "https://s3.example.org"
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["querystring_expire"] == 120
    assert shown["delivery"] == "redirect"
    streamed = json.loads(load(FILES_STORAGE="s3", S3_BUCKET="b", PRIVATE_FILES_DELIVERY="stream").stdout)
    assert streamed["delivery"] == "stream"


def test_nginx_delivery_is_a_setting():
    result = load(PRIVATE_FILES_DELIVERY="accel")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["delivery"] == "accel"


def test_bad_file_settings_stop_the_process():
    for env, message in (
        ({"FILES_STORAGE": "ftp"}, "FILES_STORAGE must be one of"),
        ({"FILES_STORAGE": "s3"}, "needs S3_BUCKET"),
        ({"FILES_STORAGE": "s3", "S3_BUCKET": "b", "PRIVATE_FILES_DELIVERY": "accel"}, "accel"),
        ({"PRIVATE_FILES_DELIVERY": "nginx"}, "PRIVATE_FILES_DELIVERY must be one of"),
        ({"PRIVATE_FILES_ACCEL_PREFIX": "_private"}, "must start with /"),
        ({"PRIVATE_FILES_URL_EXPIRY": "0"}, "PRIVATE_FILES_URL_EXPIRY"),
    ):
        result = load(**env)
        assert result.returncode != 0, env
        assert message in result.stderr, (env, result.stderr[-300:])
