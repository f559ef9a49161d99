#!/usr/bin/env python
import os
import sys

# Commands that only read the code (migrations, translation catalogs) and never
# sign or serve anything may run without a SECRET_KEY, so that a developer or a
# pre-commit check can run them on a bare checkout. Everything else still
# refuses to start in production mode without one (metroplan/settings.py).
OFFLINE_COMMANDS = {"makemigrations", "showmigrations", "makemessages", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "offline-command-no-signing"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
