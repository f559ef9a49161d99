"""`python -m bench` (and `make bench`): the API lists side by side (bench.api)."""

import sys

from bench.api import main

sys.exit(main(sys.argv[1:]))
