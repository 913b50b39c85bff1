"""Text shared by the subcommands' ``--help``."""


def example(command):
    """A help epilog showing one worked example, kept on its own lines.

    click rewraps help paragraphs; ``\\b`` keeps the command on one line so
    that it can be copied as it is.
    """
    return f"\b\nExample:\n  {command}"
