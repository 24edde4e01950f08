"""``python -m sipmas.outbox SERVICE``: run a service's relay in the foreground."""

import logging
import sys

from sipmas.outbox.relay import run_relay

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
run_relay(sys.argv[1])
