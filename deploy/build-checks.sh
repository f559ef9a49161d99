#!/bin/sh
# The production image's build checks, run by the Dockerfile and by .ci/run:
# the catalogs compiled from the .po files (msgfmt --check-format refuses a
# broken one, and the .mo served is never an older commit's), static files
# collected with DEBUG off into the manifest storage production uses, then
# Django's deployment checks, where any warning fails the build.
# A throw-away SECRET_KEY is made for the run when none is given (it is not
# kept in the image).
set -eu
cd "$(dirname "$0")/.."
SECRET_KEY="${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')}"
ALLOWED_HOSTS="${ALLOWED_HOSTS:-metroplan.invalid}"
export SECRET_KEY ALLOWED_HOSTS
unset DEBUG METROPLAN_TESTING
python manage.py compilemessages --ignore .venv --ignore node_modules --verbosity 0
python manage.py collectstatic --no-input --verbosity 0
python manage.py check --deploy --fail-level WARNING
