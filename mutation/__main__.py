"""`python -m mutation`: make mutate's entry point (mutation/run.py)."""

import sys

from mutation.run import main

sys.exit(main())
