"""The production stack serves private files through nginx only after the site
checked who may read them: docker-compose's nginx mounts the files' volume
read-only at the internal location the site redirects to, and nothing maps a
public path to it."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_nginx_serves_private_files_only_from_an_internal_location():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    locations = dict(re.findall(r"location\s+(\S+)\s*\{([^}]*)\}", conf))
    private = locations[settings.PRIVATE_FILES_ACCEL_PREFIX]
    assert re.search(r"^\s*internal;", private, re.M)
    alias = re.search(r"alias\s+(\S+);", private).group(1)
    assert not any("media" in location for location in locations)
    assert set(locations) == {"/", settings.PRIVATE_FILES_ACCEL_PREFIX}

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    nginx = compose["services"]["nginx"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert f"media:{alias.rstrip('/')}:ro" in nginx["volumes"]
    app = compose["x-app"]
    assert f"media:{app['environment']['MEDIA_ROOT']}" in app["volumes"]
    assert app["environment"]["PRIVATE_FILES_DELIVERY"].endswith(":-accel}")
    # Only nginx is published; the site answers behind it.
    assert "ports" not in compose["services"]["web"] and nginx["ports"]
