"""Entry point of `python -m rez_deploy`."""

import sys

from rez_deploy.cli import main

sys.exit(main())
