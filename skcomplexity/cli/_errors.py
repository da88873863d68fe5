"""The command's error type."""


class InputError(Exception):
    """Bad input to the command: reported as ``error: ...`` with exit status 2."""
