"""Allow `python -m livesale`."""

from livesale.cli import main

raise SystemExit(main())
