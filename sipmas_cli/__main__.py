"""``python -m sipmas_cli ...``: the ``sipmas`` command."""

import sys

from sipmas_cli.main import main

sys.exit(main())
