"""Which methods run, with which settings, and what each one's answer means."""

import ast

import numpy as np

from ._errors import InputError


def detail(estimator):
    """A fitted test's own, more precise question (``question_``), or None."""
    return getattr(getattr(estimator, "estimator_", estimator), "question_", None)


def parse_methods(text, methods_table):
    """``--methods`` as a tuple of names; ``auto`` first, always (it is the recommendation)."""
    if text is None:
        from ..sample_size.facade import TABLE_4_6_METHODS

        names = TABLE_4_6_METHODS
    else:
        names = tuple(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
        if not names:
            raise InputError(f"--methods {text!r} names no method; choose from "
                             f"auto, {', '.join(sorted(methods_table))}")
    unknown = [m for m in names if m != "auto" and m not in methods_table]
    if unknown:
        raise InputError(f"unknown method(s) {unknown}; choose from "
                         f"auto, {', '.join(sorted(methods_table))}")
    return ("auto",) + tuple(m for m in names if m != "auto")


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def method_params(methods, args):
    """Per-method parameters from ``--param``, ``--family`` and ``--n-repeats``."""
    from ..sample_size.facade import get_method

    accepted = {}
    for name in methods:
        try:
            accepted[name] = get_method(name)().get_params()
        except ImportError as exc:
            raise InputError(" ".join(str(exc).split())) from None
    params = {name: {} for name in methods}
    for name in methods:
        if args.family != "auto" and "family" in accepted[name]:
            params[name]["family"] = args.family
        if args.n_repeats is not None and "n_repeats" in accepted[name]:
            params[name]["n_repeats"] = args.n_repeats
    for item in args.param or ():
        key, eq, value = item.partition("=")
        name, dot, key = key.strip().rpartition(".")
        if not eq or not dot or not key:
            raise InputError(f"--param {item!r}: write METHOD.NAME=VALUE, e.g. "
                             "--param bootstrap.threshold=0.3")
        if name not in methods:
            raise InputError(f"--param {item!r}: {name!r} is not among the methods run "
                             f"({', '.join(methods)})")
        if key in ("random_state", "n_jobs", "verbose"):
            raise InputError(f"--param {item!r}: use --{key.replace('_', '-')} instead")
        if key not in accepted[name]:
            raise InputError(f"--param {item!r}: {name} takes no {key!r}; it takes "
                             f"{', '.join(sorted(accepted[name]))}")
        params[name][key] = _value(value.strip())
    if "landscape" in methods and params["landscape"].get("threshold") is None:
        raise InputError("landscape needs a threshold (the allowed change of the model's mean "
                         "loss when one row is added; it has no default): pass e.g. "
                         "--param landscape.threshold=0.001")
    return {name: p for name, p in params.items() if p}


def by_construction(estimator, n_rows):
    """Why a fitted method's m* is set by its construction rather than read off the data, or
    None. A '†' marks such rows."""
    if estimator is None:
        return None
    inner = getattr(estimator, "estimator_", estimator)
    m = getattr(inner, "sample_size_", None)
    if m is None:
        return None
    least = getattr(inner, "min_estimable_size_", None)
    power = getattr(inner, "power_sample_size_", None)
    if least is not None and power is not None and m == least and power < least:
        return (f"the power is reached below the {least - 1} parameters; m* is the least size "
                "at which the model can be fitted")
    sizes = getattr(inner, "sizes_", None)
    if sizes is not None and len(sizes) > 2 and getattr(inner, "criterion_", None) is not None:
        if m <= int(sizes[0]):
            return "the criterion holds from the grid's first size: m* is the grid's lower end"
        if m == int(sizes[1]) and sizes[1] > 2 * sizes[0]:
            return (f"m* is the grid's second size ({int(sizes[0]):,} then {m:,}): the grid "
                    "cannot resolve a smaller answer; pass a finer grid with --param "
                    "METHOD.sizes=...")
        if getattr(inner, "threshold_mode", None) == "relative" and m >= n_rows - 1 - max(
                1, int(np.diff(sizes).max())):
            return ("a relative threshold compares with the value on all rows, so m* lands "
                    "next to the number of rows")
    return None
