"""``python -m skcomplexity.cli`` runs the ``skcomplexity`` command."""

import sys

from . import main

sys.exit(main())
