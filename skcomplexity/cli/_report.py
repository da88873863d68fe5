"""What the command prints: one recommendation first, then the table of methods (text),
or the same numbers as JSON or CSV."""

import json
import math
import textwrap

import numpy as np

from ..sample_size.facade import format_interval, format_size

WIDTH = 100


def _num(value):
    """A float or int as JSON can hold it: None for NaN/missing, None for an infinite end."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _m_star(row):
    if row.get("error"):
        return "failed"
    if row.get("sample_size") is not None:
        return f"{row['sample_size']:,}"
    if row.get("extrapolated") is not None:
        return f"~{format_size(row['extrapolated'])}"
    return "-"


def _threshold(row):
    thr = row.get("threshold")
    if thr is None or (isinstance(thr, float) and math.isnan(thr)):
        return "-"
    return f"{thr:.3g} {row['threshold_unit']}"


def text_report(rec, rows, context, notes, footer):
    """The human-readable report: the recommendation, the data, the table, the notes."""
    out = [rec["text"]]
    out.append(f"  ({context})")
    for note in notes:
        out.extend(textwrap.wrap(note, WIDTH, initial_indent="  ", subsequent_indent="    "))
    out.append("")
    head = ("method", "m*", "95% interval", "status", "mark", "threshold (unit)", "seconds")
    cells = [(r["method"], _m_star(r), format_interval(r.get("low"), r.get("high")),
              r.get("status") or ("failed" if r.get("error") else "-"),
              ("*" if r["warnings"] else "") + ("†" if r["by_construction"] else "") or "",
              _threshold(r), f"{r['seconds']:.2g}") for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    out.append(line.rstrip())
    for r, c in zip(rows, cells):
        out.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
        text = r["error"] if r.get("error") else r["question"]
        out.extend(textwrap.wrap(text, WIDTH, initial_indent="    ",
                                 subsequent_indent="    "))
    out.append("")
    out.extend(textwrap.wrap(
        "m*: the smallest number of rows from which the method's criterion holds; '~N': the "
        "data at hand fall short and the criterion's trend reaches the threshold near N rows "
        "(a forecast); '-': neither. The interval is m*'s (or the forecast's) 95% interval from "
        "resampling the method's replicates; 'beyond': past the data. Status: enough, edge "
        "(the interval reaches past the data), more data, beyond cap (over 100x the data), "
        "undetermined. '*': the method warned (below); '†': m* is set by the method's "
        "construction, not read off the data (below).", WIDTH))
    for r in rows:
        for message in r["messages"] + r["warnings"]:
            mark = "*" if message in r["warnings"] else "-"
            out.extend(textwrap.wrap(f"{mark} {r['method']}: {message}", WIDTH,
                                     subsequent_indent="    ", break_long_words=False,
                                     break_on_hyphens=False))
        if r["by_construction"]:
            out.extend(textwrap.wrap(f"† {r['method']}: {r['by_construction']}", WIDTH,
                                     subsequent_indent="    "))
    out.extend(footer)
    return "\n".join(out)


def json_report(rec, rows, data):
    """The same numbers as a JSON document (an unbounded interval end is null)."""
    doc = {
        "recommendation": {k: (_num(v) if isinstance(v, (float, int, np.floating, np.integer))
                               and not isinstance(v, bool) else v) for k, v in rec.items()},
        "data": data,
        "methods": [{
            "method": r["method"], "question": r["question"], "detail": r["detail"],
            "sample_size": _num(r.get("sample_size")), "extrapolated": _num(r.get("extrapolated")),
            "low": _num(r.get("low")), "high": _num(r.get("high")), "status": r.get("status"),
            "threshold": _num(r.get("threshold")), "threshold_unit": r["threshold_unit"],
            "seconds": _num(r["seconds"]), "by_construction": r["by_construction"],
            "warnings": r["warnings"], "messages": r["messages"], "error": r.get("error"),
        } for r in rows],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def csv_report(rows):
    """One CSV row per method (an unbounded interval end is ``inf``)."""
    import io

    import pandas as pd

    frame = pd.DataFrame([{
        "method": r["method"], "sample_size": r.get("sample_size"),
        "extrapolated": r.get("extrapolated"), "low": r.get("low"), "high": r.get("high"),
        "status": r.get("status"), "threshold": r.get("threshold"),
        "threshold_unit": r["threshold_unit"], "seconds": r["seconds"],
        "by_construction": r["by_construction"] or "", "warning": " | ".join(r["warnings"]),
        "error": r.get("error") or "", "question": r["question"]} for r in rows])
    frame["sample_size"] = frame["sample_size"].astype("Int64")
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().rstrip("\n")
