"""One-call data-set quality report with the columns of Table 6.9."""

import numpy as np
import pandas as pd

from .._parallel import parallel_map, root_seed_sequence
from ._metrics import cosine_shift, delta_shift, kl_shuffle, kl_tts
from ._phd import phd, topological_time_series

__all__ = ["quality_report", "format_quality_table"]

COLUMNS = ["KL_TTS", "PHD_human", "PHD_human_std", "PHD_machine", "PHD_machine_std",
           "delta_shift", "KL_shuffle", "n_human", "n_machine"]


def _one_text(E, seed, window, stride, min_tokens, phd_params):
    """PHD of the whole text and its topological time series (empty for a short text)."""
    E = np.asarray(E, dtype=np.float64)
    if E.ndim != 2:
        raise ValueError("Token embeddings must be one (n_tokens, n_dims) array per text, got "
                         f"an array of shape {E.shape}.")
    s_text, s_win = seed.spawn(2)
    if E.shape[0] < min_tokens:
        return np.nan, np.empty(0)
    return (phd(E, random_state=s_text, **phd_params),
            topological_time_series(E, window=window, stride=stride, random_state=s_win,
                                    **phd_params))


def _topology(texts, seeds, window, stride, min_tokens, phd_params, n_jobs, verbose, desc):
    out = parallel_map(_one_text, [(E, s, window, stride, min_tokens, phd_params)
                                   for E, s in zip(texts, seeds)],
                       n_jobs=n_jobs, verbose=verbose, desc=desc)
    per_text = np.array([o[0] for o in out], dtype=np.float64)
    windows = np.concatenate([o[1] for o in out]) if out else np.empty(0)
    return per_text, windows


def _mean_std(values):
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.nan, np.nan
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else np.nan


def quality_report(human_tokens=None, machine_tokens=None, *, human_embeddings=None,
                   machine_embeddings=None, human_synonym=None, machine_synonym=None,
                   human_shuffled=None, machine_shuffled=None, name="dataset", window=100,
                   stride=50, tts_values="windows", min_tokens=None, bins=50, density="hist",
                   kl_eps=1e-10, shuffle_eps=1e-8, pairing="index", absolute_shift=False,
                   phd_params=None, random_state=None, n_jobs=None, verbose=0,
                   return_values=False):
    """Data-set quality statistics of Table 6.9 for one data set of human and machine texts.

    All inputs are precomputed embeddings (the text used roberta-base token
    embeddings for the topology and multilingual-e5-large text embeddings for
    the perturbations; neither model can be downloaded here). Any group of
    inputs may be left out; its columns are then NaN.

    * ``PHD_human``, ``PHD_machine`` (mean and sample std over texts): the
      :func:`phd` of each text's token cloud; texts shorter than
      ``min_tokens`` are skipped.
    * ``KL_TTS``: :func:`kl_tts` between the PHD values of the human and the
      machine texts: the PHDs of all sliding windows (the topological time
      series, ``tts_values="windows"``) or one PHD per text
      (``tts_values="texts"``); the text does not say which (Q18).
    * ``delta_shift``: :func:`delta_shift` of the cosine shifts between the
      original embeddings and those of the synonym-perturbed texts
      (:class:`SynonymReplacer`).
    * ``KL_shuffle``: :func:`kl_shuffle` of the cosine shifts between the
      original embeddings and those of the sentence-shuffled texts
      (:class:`SentenceShuffler`).

    Parameters
    ----------
    human_tokens, machine_tokens : list of array-like of shape (n_tokens_i, n_dims), optional
        Token embeddings of every text.
    human_embeddings, machine_embeddings : array-like of shape (n_texts, n_dims), optional
        Embeddings of the original texts.
    human_synonym, machine_synonym : array-like of shape (n_texts, n_dims), optional
        Embeddings of the same texts after synonym replacement, row by row.
    human_shuffled, machine_shuffled : array-like of shape (n_texts, n_dims), optional
        Embeddings of the same texts after the sentence shuffle, row by row.
    name : str, default="dataset"
        Row label.
    window, stride : int, default=100, 50
        Sliding window of the topological time series (:func:`topological_time_series`).
    tts_values : {"windows", "texts"}, default="windows"
        Which PHD values form :math:`h_d` and :math:`m_d`.
    min_tokens : int, optional
        Shortest text that gets a PHD; default ``window``.
    bins, density, kl_eps
        Passed to :func:`kl_tts` (``kl_eps`` as its ``eps``).
    shuffle_eps, pairing
        Passed to :func:`kl_shuffle` (``shuffle_eps`` as its ``eps``).
    absolute_shift : bool, default=False
        Passed to :func:`delta_shift` as ``absolute``.
    phd_params : dict, optional
        Passed to :func:`phd` (``alpha``, ``n_min``, ``n_steps``, ``n_repeats``, ``metric``).
    random_state : int, RandomState instance or None, default=None
        Seed of the PHD subsampling and of the :func:`kl_shuffle` subsampling
        (one child seed per text, so the result does not depend on ``n_jobs``).
    n_jobs : int, optional
        Texts processed in parallel by joblib.
    verbose : int, default=0
        Show progress bars over the texts.
    return_values : bool, default=False
        Also return the per-text and per-window PHDs.

    Returns
    -------
    pandas.DataFrame
        One row (index ``name``), columns ``KL_TTS``, ``PHD_human``,
        ``PHD_human_std``, ``PHD_machine``, ``PHD_machine_std``,
        ``delta_shift``, ``KL_shuffle``, ``n_human``, ``n_machine``. Several
        data sets: ``pd.concat`` the rows; :func:`format_quality_table`
        prints them as Table 6.9 does.
    values : dict of ndarray
        Only with ``return_values=True``: the values behind the PHD columns,
        for plots like Figs. 6.6 and 6.7 — ``"phd_human"``, ``"phd_machine"``
        (one per text, NaN for short texts) and ``"tts_human"``,
        ``"tts_machine"`` (all window PHDs, pooled); empty without token
        embeddings.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.data_quality import quality_report
    >>> rng = np.random.default_rng(0)
    >>> human = [rng.normal(size=(120, 8)) for _ in range(4)]
    >>> machine = [rng.normal(size=(120, 3)) @ rng.normal(size=(3, 8)) for _ in range(4)]
    >>> report = quality_report(human, machine, random_state=0)
    >>> bool(report.loc["dataset", "PHD_human"] > report.loc["dataset", "PHD_machine"])
    True
    """
    if tts_values not in ("windows", "texts"):
        raise ValueError(f"tts_values must be 'windows' or 'texts', got {tts_values!r}.")
    phd_params = dict(phd_params or {})
    if min_tokens is None:
        min_tokens = window
    root = root_seed_sequence(random_state)
    s_h, s_m, s_shuffle = root.spawn(3)
    row = dict.fromkeys(COLUMNS, np.nan)
    values = {}

    if human_tokens is not None and machine_tokens is not None:
        human_tokens, machine_tokens = list(human_tokens), list(machine_tokens)
        ph, wh = _topology(human_tokens, s_h.spawn(len(human_tokens)), window, stride,
                           min_tokens, phd_params, n_jobs, verbose, "PHD, human texts")
        pm, wm = _topology(machine_tokens, s_m.spawn(len(machine_tokens)), window, stride,
                           min_tokens, phd_params, n_jobs, verbose, "PHD, machine texts")
        row["PHD_human"], row["PHD_human_std"] = _mean_std(ph)
        row["PHD_machine"], row["PHD_machine_std"] = _mean_std(pm)
        h, m = (wh, wm) if tts_values == "windows" else (ph, pm)
        row["KL_TTS"] = kl_tts(h, m, bins=bins, density=density, eps=kl_eps)
        values = {"phd_human": ph, "phd_machine": pm, "tts_human": wh, "tts_machine": wm}
        row["n_human"], row["n_machine"] = len(human_tokens), len(machine_tokens)
    if (human_tokens is None) != (machine_tokens is None):
        raise ValueError("Give the token embeddings of both the human and the machine texts.")

    def shifts(orig, pert, what):
        if orig is None or pert is None:
            if pert is not None:
                raise ValueError(f"{what} embeddings were given without the original embeddings.")
            return None
        return cosine_shift(orig, pert)

    dh_syn = shifts(human_embeddings, human_synonym, "human_synonym")
    dm_syn = shifts(machine_embeddings, machine_synonym, "machine_synonym")
    if dh_syn is not None and dm_syn is not None:
        row["delta_shift"] = delta_shift(dh_syn, dm_syn, absolute=absolute_shift)
    dh_shu = shifts(human_embeddings, human_shuffled, "human_shuffled")
    dm_shu = shifts(machine_embeddings, machine_shuffled, "machine_shuffled")
    if dh_shu is not None and dm_shu is not None:
        row["KL_shuffle"] = kl_shuffle(dh_shu, dm_shu, eps=shuffle_eps, pairing=pairing,
                                       random_state=s_shuffle)
    for key, emb in (("n_human", human_embeddings), ("n_machine", machine_embeddings)):
        if np.isnan(row[key]) and emb is not None:
            row[key] = len(emb)
    report = pd.DataFrame([row], index=pd.Index([name], name="dataset"), columns=COLUMNS)
    return (report, values) if return_values else report


def format_quality_table(report, digits=3):
    """Print-ready copy of quality reports in the layout of Table 6.9 (PHD as "mean ± std").

    Parameters
    ----------
    report : pandas.DataFrame
        Rows from :func:`quality_report`.
    digits : int, default=3
        Decimals of the divergences; the PHDs get two.

    Returns
    -------
    pandas.DataFrame of str

    Examples
    --------
    >>> import pandas as pd
    >>> from skcomplexity.data_quality import format_quality_table
    >>> row = pd.DataFrame([{"KL_TTS": 0.0141, "PHD_human": 9.234, "PHD_human_std": 1.98,
    ...                      "PHD_machine": 10.27, "PHD_machine_std": 1.84,
    ...                      "delta_shift": 0.084, "KL_shuffle": 1.255}], index=["GPT-2"])
    >>> format_quality_table(row).loc["GPT-2", "PHD_human"]
    '9.23 ± 1.98'
    """
    def num(x, d):
        return "-" if not np.isfinite(x) else f"{x:.{d}f}"

    out = pd.DataFrame(index=report.index)
    out["KL_TTS"] = [num(v, digits) for v in report["KL_TTS"]]
    for side in ("human", "machine"):
        out[f"PHD_{side}"] = [
            "-" if not np.isfinite(m) else f"{m:.2f} ± {s:.2f}" if np.isfinite(s) else f"{m:.2f}"
            for m, s in zip(report[f"PHD_{side}"], report[f"PHD_{side}_std"])]
    out["delta_shift"] = [num(v, digits) for v in report["delta_shift"]]
    out["KL_shuffle"] = [num(v, digits) for v in report["KL_shuffle"]]
    return out
