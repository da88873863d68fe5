"""The one way docstrings share text: ``%(name)s`` placeholders filled by :func:`fill_doc`.

A class or function docstring that repeats a block of parameters (or attributes, or an
example) writes ``%(name)s`` on a line of its own, indented like the text around it;
``@fill_doc(name=TEXT)`` replaces the placeholder with ``TEXT``, re-indented to the
placeholder's indentation. ``{cls}`` inside ``TEXT`` becomes the decorated object's name, so
one example can serve several classes. A placeholder left unfilled, or a part that fills
nothing, is an error at import time: a docstring cannot silently lose a section.
"""

import re
import textwrap

__all__ = ["fill_doc"]

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def _fill(doc, parts, owner):
    used = set()

    def replace(match):
        name = match.group("name")
        if name not in parts:
            raise KeyError(f"{owner}'s docstring has the placeholder %({name})s but "
                           f"fill_doc was given only {sorted(parts)}")
        used.add(name)
        text = textwrap.dedent(parts[name]).strip("\n").replace("{cls}", owner)
        return textwrap.indent(text, match.group("indent"))

    filled = _PLACEHOLDER.sub(replace, doc)
    unused = set(parts) - used
    if unused:
        raise KeyError(f"fill_doc parts {sorted(unused)} fill no placeholder in {owner}'s "
                       "docstring")
    return filled


def fill_doc(**parts):
    """Fill the ``%(name)s`` placeholders of the decorated object's docstring.

    Parameters
    ----------
    **parts : str
        The text of each placeholder, written at any indentation (it is
        dedented, then indented like the placeholder's line). ``{cls}`` in a
        part becomes the decorated object's ``__name__``.

    Returns
    -------
    decorator : callable
        Returns the object with its docstring filled.

    Examples
    --------
    >>> from skcomplexity._docstrings import fill_doc
    >>> @fill_doc(seed='''
    ... random_state : int, RandomState instance or None, default=None
    ...     Seeds {cls}'s draws.''')
    ... def f():
    ...     '''Do something.
    ...
    ...     Parameters
    ...     ----------
    ...     %(seed)s
    ...     '''
    >>> print(f.__doc__.splitlines()[4].strip())
    random_state : int, RandomState instance or None, default=None
    >>> print(f.__doc__.splitlines()[5].strip())
    Seeds f's draws.
    """

    def decorate(obj):
        if obj.__doc__ is None:
            raise ValueError(f"fill_doc: {obj.__name__} has no docstring to fill")
        obj.__doc__ = _fill(obj.__doc__, parts, obj.__name__)
        return obj

    return decorate
