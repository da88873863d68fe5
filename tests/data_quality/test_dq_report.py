"""The Table 6.9 report equals the metrics computed one by one."""

import subprocess
import sys

import joblib
import numpy as np
import pytest

from skcomplexity.data_quality import (
    cosine_shift,
    delta_shift,
    format_quality_table,
    kl_shuffle,
    kl_tts,
    quality_report,
)


def _texts(rng, n, dim, lengths=(150, 220), ambient=16):
    out = []
    for _ in range(n):
        L = int(rng.integers(*lengths))
        basis = rng.normal(size=(dim, ambient))
        out.append(rng.normal(size=(L, dim)) @ basis)
    return out


def test_report_columns_and_values():
    rng = np.random.default_rng(0)
    human, machine = _texts(rng, 5, 8), _texts(rng, 5, 4)
    E_h, E_m = rng.normal(size=(5, 12)), rng.normal(size=(5, 12))
    syn_h, syn_m = E_h + 0.3 * rng.normal(size=(5, 12)), E_m + 0.1 * rng.normal(size=(5, 12))
    shu_h, shu_m = E_h + 0.2 * rng.normal(size=(5, 12)), E_m + 0.2 * rng.normal(size=(5, 12))
    rep = quality_report(human, machine, human_embeddings=E_h, machine_embeddings=E_m,
                         human_synonym=syn_h, machine_synonym=syn_m, human_shuffled=shu_h,
                         machine_shuffled=shu_m, name="toy", random_state=0)
    assert list(rep.columns) == ["KL_TTS", "PHD_human", "PHD_human_std", "PHD_machine",
                                 "PHD_machine_std", "delta_shift", "KL_shuffle", "n_human",
                                 "n_machine"]
    row = rep.loc["toy"]
    assert row["PHD_human"] > row["PHD_machine"] + 2  # 8-dim vs 4-dim token clouds
    assert row["delta_shift"] == pytest.approx(
        delta_shift(cosine_shift(E_h, syn_h), cosine_shift(E_m, syn_m)))
    assert row["KL_shuffle"] == pytest.approx(
        kl_shuffle(cosine_shift(E_h, shu_h), cosine_shift(E_m, shu_m)))
    assert row["KL_TTS"] > 0 and row["n_human"] == 5
    # same seed, same report; tts_values="texts" uses the per-text PHDs
    rep2 = quality_report(human, machine, random_state=0, tts_values="texts")
    assert rep2.loc["dataset", "PHD_human"] == row["PHD_human"]
    assert np.isnan(rep2.loc["dataset", "delta_shift"])
    # the same with two joblib workers (one seed per text; threads keep the test fast)
    with joblib.parallel_config(backend="threading"):
        rep_par = quality_report(human, machine, human_embeddings=E_h, machine_embeddings=E_m,
                                 human_synonym=syn_h, machine_synonym=syn_m,
                                 human_shuffled=shu_h, machine_shuffled=shu_m, name="toy",
                                 random_state=0, n_jobs=2)
    np.testing.assert_array_equal(rep_par.to_numpy(), rep.to_numpy())
    table = format_quality_table(rep)
    assert table.loc["toy", "PHD_human"] == f"{row['PHD_human']:.2f} ± {row['PHD_human_std']:.2f}"


def test_report_kl_tts_from_pooled_windows():
    from skcomplexity.data_quality import phd, topological_time_series

    rng = np.random.default_rng(1)
    human, machine = _texts(rng, 2, 6, lengths=(200, 201)), _texts(rng, 2, 3, lengths=(200, 201))
    rep = quality_report(human, machine, window=100, stride=100, random_state=7)
    # rebuild the seeds the report uses: root -> (human, machine, shuffle) -> text -> (text, windows)
    root = np.random.SeedSequence(7)
    s_h, s_m, _ = root.spawn(3)

    def pooled(texts, seed):
        w, p = [], []
        for E, s in zip(texts, seed.spawn(len(texts))):
            s_text, s_win = s.spawn(2)
            p.append(phd(E, random_state=s_text))
            w.append(topological_time_series(E, window=100, stride=100, random_state=s_win))
        return np.concatenate(w), np.array(p)

    wh, ph = pooled(human, s_h)
    wm, pm = pooled(machine, s_m)
    assert rep.loc["dataset", "KL_TTS"] == pytest.approx(kl_tts(wh, wm))
    _, values = quality_report(human, machine, window=100, stride=100, random_state=7,
                               return_values=True)
    np.testing.assert_array_equal(values["tts_human"], wh)
    np.testing.assert_array_equal(values["phd_machine"], pm)
    assert rep.loc["dataset", "PHD_machine"] == pytest.approx(pm.mean())
    assert rep.loc["dataset", "PHD_machine_std"] == pytest.approx(pm.std(ddof=1))


def test_short_texts_give_nan():
    rng = np.random.default_rng(2)
    with pytest.warns(RuntimeWarning, match="at least two"):
        rep = quality_report(_texts(rng, 3, 4, lengths=(20, 30)),
                             _texts(rng, 3, 4, lengths=(20, 30)))
    assert np.isnan(rep.loc["dataset", "PHD_human"]) and np.isnan(rep.loc["dataset", "KL_TTS"])
    with pytest.raises(ValueError, match="both"):
        quality_report(_texts(rng, 1, 2), None)


def test_importable_without_torch():
    code = ("import sys; import skcomplexity.data_quality as dq; dq.phd; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
