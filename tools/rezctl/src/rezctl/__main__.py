"""`python -m rezctl` is the `rezctl` command."""

from rezctl.cli import main

raise SystemExit(main())
