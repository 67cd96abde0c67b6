"""The one place a command's failure becomes one line on standard error and an exit status.

Exit statuses (README.md, "Exit statuses", lists them for users):

- 0: done;
- 1: the command could not do what was asked (an unknown store, a bad fixture file, the port
  taken, an unexpected error);
- 2: usage: an unknown option, a missing argument or a bad value (click's own status);
- 3: the database cannot be reached or opened (a wrong password, a missing database, a refused
  connection, no SQLite file where a command only reads).

Every message passes through ``redact_url``, so no database password reaches the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import click

from ecwid_customers.config import redact_url

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3

# Set to any value to get the traceback of an unexpected error (for bug reports).
DEBUG_ENV = "ECWID_CUSTOMERS_DEBUG"


class DatabaseUnavailable(click.ClickException):
    """The database cannot be reached or opened: exit status 3."""

    exit_code = EXIT_DATABASE


def describe(error: BaseException) -> str:
    """One line that says what went wrong, in the driver's words where it has good ones."""
    cause = getattr(error, "orig", None)  # SQLAlchemy wraps the driver's error
    if isinstance(cause, BaseException):
        error = cause
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = " ".join(str(error).split())
    return redact_url(text or type(error).__name__)


@contextlib.contextmanager
def database_errors(database_url: str) -> Iterator[None]:
    """Whatever reaching the database raises becomes :class:`DatabaseUnavailable`."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as error:
        raise DatabaseUnavailable(
            f"cannot open {redact_url(database_url)}: {describe(error)}"
        ) from None


# click 8.2 raises this for a group given alone (8.1 printed the help and exited by itself);
# an empty tuple catches nothing.
_NO_ARGS_IS_HELP: tuple[type[click.UsageError], ...] = tuple(
    getattr(click.exceptions, name)
    for name in ("NoArgsIsHelpError",)
    if hasattr(click.exceptions, name)
)


class OneLineGroup(click.Group):
    """A click group whose errors, its own and any a command raises, are one line each."""

    def main(self, args: Sequence[str] | None = None, *pos: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(args, *pos, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            result = super().main(args, *pos, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except _NO_ARGS_IS_HELP as bare:  # a group alone: its help
            bare.show()
            sys.exit(bare.exit_code)
        except click.Abort:
            _fail("aborted", EXIT_FAILED)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            _fail(error.format_message() + hint, EXIT_USAGE)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as error:
            if os.environ.get(DEBUG_ENV):
                raise
            _fail(f"unexpected {type(error).__name__}: {describe(error)}", EXIT_FAILED)
        # standalone_mode=False returns the exit code of an Exit instead of raising it.
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    click.echo(f"Error: {redact_url(' '.join(message.split()))}", err=True)
    sys.exit(status)
