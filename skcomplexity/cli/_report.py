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


def _score(value):
    return "-" if value is None or not math.isfinite(value) else f"{value:.3g}"


def learning_curve_recommendation(row, est, n_rows, scoring):
    """The headline when the learning curve leads: training rows for the target score."""
    rec = {"method": "learning-curve", "n_rows": n_rows, "sample_size": row.get("sample_size"),
           "extrapolated": row.get("extrapolated"), "low": row.get("low"),
           "high": row.get("high"), "status": row.get("status"), "enough": None,
           "more_rows": None, "estimator": None, "scoring": scoring, "target_score": None,
           "asymptote": None, "training_rows": None, "score_at_training_rows": None,
           "score_interval": None, "assurance_at_training_rows": None}
    if row.get("error") or est is None:
        rec["text"] = ("No recommendation: the learning curve could not be computed "
                       f"({row.get('error') or 'no result'}).")
        return rec
    name = scoring or "score"
    level = float(est.threshold_)
    from ._estimators import describe

    kind = describe(est.estimator) if est.estimator is not None else est.estimator_kind_
    rec.update(estimator=kind, target_score=level,
               asymptote=float(est.asymptote_))
    if est.target_score is not None:
        goal = f"to reach {name} {level:.4g}"
    else:
        goal = (f"to come within {est.asymptote_ - level:.3g} of its fitted asymptote "
                f"({name} {est.asymptote_:.4g}, so {level:.4g})")
    n_train = int(est.sizes_[-1])
    score, lo, hi = (float(v[0]) for v in est.predict_score(n_train, return_interval=True))
    rec.update(training_rows=n_train, score_at_training_rows=score, score_interval=[lo, hi],
               assurance_at_training_rows=float(est.assurance(n_train)[0]))
    now = (f"expected {name} when training on the {n_train:,} rows at hand: {_score(score)} "
           f"(95% interval {_score(lo)}-{_score(hi)})")
    head = f"Recommended training size for {kind} {goal}:"
    size = row.get("sample_size")
    size = size if size is not None else row.get("extrapolated")
    status = row.get("status")
    span = format_interval(row.get("low"), row.get("high"), rounded=status == "more data")
    if status in ("enough", "edge"):
        rec["enough"] = True
        tail = ("they are enough" if status == "enough" else
                "they are just enough: the interval reaches past them")
        rec["text"] = f"{head} {size:,} rows (95% interval {span}); {now}; {tail}."
    elif status == "more data":
        rec["enough"] = False
        rec["more_rows"] = max(size - n_train, 0.0)
        rec["text"] = (f"{head} about {format_size(size)} rows (95% interval {span}); {now}; about "
                       f"{format_size(max(size - n_train, 0))} more training rows of the same kind "
                       "(a forecast).")
    elif status == "beyond cap":
        rec["enough"] = False
        rec["text"] = (f"{head} more than 100 times the rows at hand: the fitted learning curve "
                       f"levels off at {name} {_score(est.asymptote_)}; {now}.")
    else:
        rec["text"] = (f"{head} undetermined (the learning curve did not settle; raise "
                       f"--n-repeats); {now}.")
    return rec


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
