"""`python -m bench` runs every benchmark (today: the API's)."""

import sys

from bench.api import main

sys.exit(main(sys.argv[1:]))
