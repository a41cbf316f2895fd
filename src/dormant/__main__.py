"""``python -m dormant`` runs the command line."""

from __future__ import annotations

from dormant.cli.main import main

if __name__ == "__main__":
    main()
