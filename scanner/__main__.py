"""``python -m scanner`` is the same as the ``dsql-scan`` command."""

from scanner.console import main

if __name__ == "__main__":
    main()
