"""Helpers for the `fixboard` commands: errors a person can act on, never a traceback."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, each naming the field (option) it concerns."""
    if not hasattr(exc, "error_dict"):
        return "\n".join(exc.messages)
    lines = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            lines.append(message if field == "__all__" else f"{field}: {message}")
    return "\n".join(lines)


def command_error(exc: ValidationError, *, intro: str = "") -> CommandError:
    """A CommandError (exit status 1, no traceback) listing the problems of `exc`."""
    text = describe_validation_error(exc)
    return CommandError(f"{intro}\n{text}" if intro else text)


def not_found(what: str, value: str, known: list[str]) -> CommandError:
    """A CommandError for an unknown name, listing the names that exist."""
    listing = ", ".join(known) if known else _("none yet")
    return CommandError(
        _("No %(what)s %(value)s (known: %(known)s).")
        % {"what": what, "value": value, "known": listing}
    )


def progress_stream(command: BaseCommand):
    """The command's raw stderr, for tqdm: it redraws its line with \\r, which the
    OutputWrapper around `command.stderr` would break by adding a newline to each write."""
    return command.stderr._out
