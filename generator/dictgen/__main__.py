"""Allow ``python -m dictgen``."""

from dictgen.cli import main

main()
