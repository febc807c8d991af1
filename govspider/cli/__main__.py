"""``python -m govspider.cli``: the ``govspider`` command."""

from govspider.cli import main

if __name__ == "__main__":
    main()
