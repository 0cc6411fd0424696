"""``python -m losscert.cli``: the same as the ``losscert`` command."""

import sys

from losscert.cli import main

sys.exit(main())
