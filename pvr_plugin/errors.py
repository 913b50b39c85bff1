"""The one exception type that means "the user gave us something wrong"."""


class PvrInputError(ValueError):
    """Bad user input: a file, column, option or value we cannot use.

    The message is a single line that names the offending file, column or value.
    Command-line entry points print it and exit with status 2; library callers
    can catch it like any ``ValueError``.
    """
