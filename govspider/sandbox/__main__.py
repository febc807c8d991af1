"""``python -m govspider.sandbox``: the same as ``govspider sandbox``."""

from govspider.sandbox.cli import main

if __name__ == "__main__":
    main()
