"""The `fixboard` command: Django's manage.py under the project's name.

Commands are named `verb-noun` (`fixboard import-areas`); Django's own keep their names.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixboard.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "fixboard"
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
