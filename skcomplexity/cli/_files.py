"""Where the figure goes: checked before any method runs, so that a bad ``--output``
costs nothing and a user's file is never overwritten by surprise."""

import os

from ._errors import InputError

DEFAULT_OUTPUT = "sample_size.png"


def _formats():
    from matplotlib.backend_bases import FigureCanvasBase

    return FigureCanvasBase.get_supported_filetypes()


def _inside(path, directory):
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return os.path.commonpath([path, directory]) == directory


def _fresh(path):
    stem, ext = os.path.splitext(path)
    k = 1
    while os.path.lexists(f"{stem}-{k}{ext}"):
        k += 1
    return f"{stem}-{k}{ext}"


def check_output(output, *, data=None, force=False):
    """The path the figure will be written to, or None for ``none``; notes to print.

    Raises :class:`InputError` (exit status 2) for a directory, a missing parent
    directory, an extension matplotlib cannot write, the input file itself, a
    symbolic link that leads out of the working directory, or an existing file
    without ``force``. With the default name, an existing file is kept and a
    fresh name (``sample_size-1.png``) is used instead, and the note says so.
    """
    notes = []
    default = output is None
    path = DEFAULT_OUTPUT if default else output
    if path.lower() == "none":
        return None, notes
    if path.endswith(os.sep) or os.path.isdir(path):
        raise InputError(f"--output {path} is a directory; give a file name such as "
                         f"{os.path.join(path, DEFAULT_OUTPUT)}")
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    formats = _formats()
    if ext not in formats:
        raise InputError(f"--output {path}: matplotlib cannot write "
                         f"{'a file without an extension' if not ext else repr('.' + ext)}; "
                         f"use one of {', '.join('.' + f for f in sorted(formats))}, or 'none'")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise InputError(f"--output {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"--output {path}: the directory {parent} is not writable")
    if (data is not None and os.path.exists(path) and os.path.exists(data)
            and os.path.samefile(path, data)):
        raise InputError(f"--output {path} is the input file; choose another name")
    if os.path.islink(path) and not _inside(path, os.getcwd()):
        raise InputError(f"--output {path} is a symbolic link to {os.path.realpath(path)}, "
                         "outside the working directory; not following it")
    if os.path.lexists(path) and not force:
        if default:
            fresh = _fresh(path)
            notes.append(f"{path} exists and is kept; the figure goes to {fresh} "
                         "(--output NAME to choose, --force to replace)")
            return fresh, notes
        raise InputError(f"--output {path} exists; pass --force to replace it or choose "
                         "another name")
    return path, notes
