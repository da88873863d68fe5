"""fMRI data-complexity reduction (§6.2, §6.4.2): compressor, delta-ridge decoder, generator."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import make_fmri_decoding
from skcomplexity.fmri import (
    DeltaRidgeDecoder,
    MaxPool3DCompressor,
    frame_indices,
    load_nifti_scans,
    make_delta_pairs,
    solve_ridge_no_intercept,
)


def _loop_maxpool(vol, f, remainder):
    """Block maxima by explicit loops (the hand computation)."""
    X, Y, Z = vol.shape
    if remainder == "pad":
        out = [-(-n // f) for n in (X, Y, Z)]
    else:
        out = [n // f for n in (X, Y, Z)]
    res = np.empty(out)
    for a in range(out[0]):
        for b in range(out[1]):
            for c in range(out[2]):
                res[a, b, c] = vol[a * f:(a + 1) * f, b * f:(b + 1) * f, c * f:(c + 1) * f].max()
    return res


@pytest.mark.parametrize("remainder", ["pad", "crop"])
@pytest.mark.parametrize("factor", [1, 2, 3])
def test_maxpool_matches_loops(factor, remainder):
    rng = np.random.default_rng(0)
    scans = rng.normal(size=(3, 7, 6, 5))
    out = MaxPool3DCompressor(factor, remainder=remainder).fit_transform(scans)
    for s in range(3):
        np.testing.assert_array_equal(out[s], _loop_maxpool(scans[s], factor, remainder))


def test_maxpool_text_shapes_and_flat_layout():
    rng = np.random.default_rng(1)
    scans = rng.random((2, 40, 64, 64))
    voxels = {}
    for c in (1, 2, 4, 8):
        comp = MaxPool3DCompressor(c).fit(scans)
        out = comp.transform(scans)
        voxels[c] = out[0].size
        flat = MaxPool3DCompressor(c, shape=(40, 64, 64)).fit_transform(scans.reshape(2, -1))
        np.testing.assert_array_equal(flat, out.reshape(2, -1))
    assert voxels == {1: 163840, 2: 20480, 4: 2560, 8: 320}  # §7.2 [DERIVED]
    assert MaxPool3DCompressor(8).fit(scans).output_shape_ == (5, 8, 8)
    assert MaxPool3DCompressor((1, 2, 4)).fit(scans).output_shape_ == (40, 32, 16)


def test_maxpool_inverse_is_nearest_neighbour():
    rng = np.random.default_rng(2)
    scans = rng.normal(size=(2, 5, 4, 3))
    comp = MaxPool3DCompressor(2).fit(scans)
    small = comp.transform(scans)
    full = comp.inverse_transform(small)
    assert full.shape == scans.shape
    for i, j, k in np.ndindex(5, 4, 3):
        assert full[1, i, j, k] == small[1, i // 2, j // 2, k // 2]
        # every voxel is bounded by the maximum of its block
        assert scans[1, i, j, k] <= full[1, i, j, k]
    flat = comp.inverse_transform(small.reshape(2, -1))
    np.testing.assert_array_equal(flat, full.reshape(2, -1))
    # a 2-D input without shape is a 1-D signal; singleton axes are not pooled
    sig = MaxPool3DCompressor(3).fit(np.arange(14.0).reshape(2, 7))
    assert sig.output_shape_ == (3, 1, 1)
    np.testing.assert_array_equal(sig.transform(np.arange(14.0).reshape(2, 7)),
                                  [[2, 5, 6], [9, 12, 13]])


def test_maxpool_errors():
    scans = np.zeros((2, 4, 4, 4))
    with pytest.raises(ValueError, match="factor"):
        MaxPool3DCompressor(0).fit(scans)
    with pytest.raises(ValueError, match="factor"):
        MaxPool3DCompressor((2, 2)).fit(scans)
    with pytest.raises(ValueError, match="remainder='crop'"):
        MaxPool3DCompressor(8, remainder="crop").fit(scans)
    with pytest.raises(ValueError, match="shape"):
        MaxPool3DCompressor(2, shape=(3, 3, 3)).fit(scans.reshape(2, -1))
    comp = MaxPool3DCompressor(2).fit(scans)
    with pytest.raises(ValueError, match="shape"):
        comp.transform(np.zeros((2, 4, 4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        MaxPool3DCompressor(2).fit(np.full((2, 4, 4, 4), np.nan))


def test_frame_indices_by_hand():
    # Table 6.6: nu = 25 Hz, mu = 1.64 Hz; k_l = l * 25 / 1.64 - 25 * dt (1-based)
    j = frame_indices(5, delay=0.5, video_fps=25, fmri_hz=1.64)
    hand = [int(np.floor(ell * 25 / 1.64 - 12.5)) - 1 for ell in range(1, 6)]
    assert j.tolist() == hand == [1, 16, 32, 47, 62]
    assert frame_indices(2, video_fps=25, fmri_hz=1.64, rounding="round").tolist() == [14, 29]
    assert frame_indices(2, video_fps=25, fmri_hz=1.64, rounding="ceil").tolist() == [15, 30]
    # the same scans later in the recording
    np.testing.assert_array_equal(
        frame_indices(3, video_fps=25, fmri_hz=1.64, scan_offset=2),
        frame_indices(5, video_fps=25, fmri_hz=1.64)[2:])
    with pytest.raises(ValueError, match="both"):
        frame_indices(3, video_fps=25)


def _recording(seed=0, n_frames=3000, d=20, n_scans=150, V=40):
    rng = np.random.default_rng(seed)
    frames = rng.normal(size=(n_frames, d))
    scans = rng.normal(size=(n_scans, V)).cumsum(axis=0) + 5.0
    return frames, scans


@pytest.mark.parametrize("alpha", [0.1, 1000.0])
def test_decoder_equals_sklearn_ridge_on_the_same_pairs(alpha):
    frames, scans = _recording()
    kw = dict(delay=1.5, video_fps=25.0, fmri_hz=1.64)
    dec = DeltaRidgeDecoder(alpha, **kw).fit(frames, scans)
    Xp, delta, idx = make_delta_pairs(frames, scans, **kw)
    # the pairs by hand: scan l >= 2 with a frame inside the video
    j = frame_indices(len(scans), **kw)
    keep = [i for i in range(1, len(scans)) if 0 <= j[i] < len(frames)]
    assert idx.tolist() == keep and dec.n_pairs_ == len(keep)
    np.testing.assert_array_equal(delta, scans[keep] - scans[np.array(keep) - 1])
    np.testing.assert_array_equal(Xp, frames[j[keep]])
    ref = Ridge(alpha=alpha, fit_intercept=False, solver="cholesky").fit(Xp, delta)
    np.testing.assert_allclose(dec.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    # and the closed form of §6.2 for one voxel
    w = np.linalg.solve(Xp.T @ Xp + alpha * np.eye(Xp.shape[1]), Xp.T @ delta[:, 3])
    np.testing.assert_allclose(dec.coef_[3], w, rtol=1e-8)


def test_dual_form_when_fewer_pairs_than_features():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(15, 40))
    Y = rng.normal(size=(15, 6))
    W = solve_ridge_no_intercept(X, Y, 2.0)
    ref = Ridge(alpha=2.0, fit_intercept=False).fit(X, Y).coef_.T
    np.testing.assert_allclose(W, ref, rtol=1e-8, atol=1e-12)
    with pytest.warns(RuntimeWarning, match="singular"):
        W0 = solve_ridge_no_intercept(np.c_[X[:, :3], np.zeros(15)], Y, 0.0)
    # minimum-norm least squares: the zero column gets zero weight, the rest is OLS
    np.testing.assert_allclose(W0[3], 0.0)
    np.testing.assert_allclose(W0[:3], np.linalg.lstsq(X[:, :3], Y, rcond=None)[0], rtol=1e-8)


def test_predict_scans_one_step_ahead_and_chronological_split():
    frames, scans = _recording(seed=4)
    kw = dict(delay=2.0, video_fps=25.0, fmri_hz=1.64)
    n_tr = 100
    dec = DeltaRidgeDecoder(10.0, **kw).fit(frames, scans[:n_tr])
    pred, idx = dec.predict_scans(frames, scans, return_index=True)
    j = frame_indices(len(scans), **kw)
    np.testing.assert_allclose(pred, scans[idx - 1] + frames[j[idx]] @ dec.coef_.T)
    # the test part alone, with its offset, gives the same predictions
    test_pred, tidx = dec.predict_scans(frames, scans[n_tr - 1:], scan_offset=n_tr - 1,
                                        return_index=True)
    np.testing.assert_allclose(test_pred, pred[idx >= n_tr])
    np.testing.assert_array_equal(tidx + n_tr - 1, idx[idx >= n_tr])
    # score: R^2 of the predicted differences of the test part
    from sklearn.metrics import r2_score
    t_delta = scans[idx[idx >= n_tr]] - scans[idx[idx >= n_tr] - 1]
    t_hat = test_pred - scans[idx[idx >= n_tr] - 1]
    assert dec.score(frames, scans[n_tr - 1:], scan_offset=n_tr - 1) == pytest.approx(
        r2_score(t_delta, t_hat))
    # predict = the model's differences
    np.testing.assert_allclose(dec.predict(frames[:5]), frames[:5] @ dec.coef_.T)
    # 4-D scans keep their shape
    dec4 = DeltaRidgeDecoder(10.0, **kw).fit(frames, scans.reshape(-1, 2, 4, 5))
    np.testing.assert_allclose(dec4.coef_, DeltaRidgeDecoder(10.0, **kw).fit(frames, scans).coef_)
    assert dec4.predict(frames[:3]).shape == (3, 2, 4, 5)


def test_generator_follows_the_markov_model():
    rec = make_fmri_decoding(duration=300, scan_shape=(6, 6, 6), n_features=8, noise=0.5,
                             frame_correlation=0.9, random_state=1)
    # stationary AR(1) frames: unit variance, lag-one correlation 0.9
    f = rec.frames
    assert f.var() == pytest.approx(1.0, abs=0.1)
    lag1 = np.mean(f[1:] * f[:-1]) / np.mean(f * f)
    assert lag1 == pytest.approx(0.9, abs=0.02)
    # s_l - s_(l-1) - W x_(j_l) is the noise, of standard deviation `noise`
    S = rec.scans.reshape(len(rec.scans), -1)
    j = rec.frame_index
    ok = np.flatnonzero((j >= 0) & (np.arange(len(j)) > 0))
    resid = S[ok] - S[ok - 1] - rec.frames[j[ok]] @ rec.coef.T
    assert resid.std() == pytest.approx(0.5, rel=0.05)
    # the weights have variance noise^2 / alpha_opt
    assert rec.coef.var() == pytest.approx(0.25 / 1000, rel=0.05)


def test_generator_known_map_and_optimal_alpha():
    rec = make_fmri_decoding(duration=390, scan_shape=(8, 8, 8), n_features=32, delay=2.0,
                             alpha_opt=200.0, random_state=0)
    kw = dict(delay=rec.delay, video_fps=rec.video_fps, fmri_hz=rec.fmri_hz)
    # the map is recovered (posterior shrinkage aside) and the differences are as generated
    dec = DeltaRidgeDecoder(1.0, **kw).fit(rec.frames, rec.scans)
    corr = np.corrcoef(dec.coef_.ravel(), rec.coef.ravel())[0, 1]
    assert corr > 0.5
    # test MSE against alpha is lowest near alpha_opt, before and after compression
    n_tr = int(0.7 * len(rec.scans))
    alphas = [2.0, 20.0, 200.0, 2000.0, 20000.0]
    for c in (1, 2):
        S = MaxPool3DCompressor(c).fit_transform(rec.scans)
        mse = []
        for a in alphas:
            d = DeltaRidgeDecoder(a, **kw).fit(rec.frames, S[:n_tr])
            p, i = d.predict_scans(rec.frames, S[n_tr - 1:], scan_offset=n_tr - 1,
                                   return_index=True)
            mse.append(np.mean((p - S[n_tr - 1:][i]) ** 2))
        assert alphas[int(np.argmin(mse))] in (20.0, 200.0, 2000.0)
        assert mse[0] > min(mse) and mse[-1] > min(mse)


def test_decoder_errors():
    frames, scans = _recording()
    with pytest.raises(ValueError, match="alpha"):
        DeltaRidgeDecoder(-1.0).fit(frames[:150], scans)
    with pytest.raises(ValueError, match="inconsistent"):
        DeltaRidgeDecoder().fit(frames, scans)
    with pytest.raises(ValueError, match="both"):
        DeltaRidgeDecoder(video_fps=25.0).fit(frames, scans)
    with pytest.raises(ValueError, match="No scan"):
        DeltaRidgeDecoder(delay=1000.0, video_fps=25.0, fmri_hz=1.64).fit(frames, scans)
    with pytest.raises(ValueError, match="NaN"):
        DeltaRidgeDecoder().fit(frames[:150], np.where(scans > 6, np.nan, scans))


def test_load_nifti_roundtrip(tmp_path):
    nib = pytest.importorskip("nibabel")
    data = np.random.default_rng(5).random((4, 5, 6, 3)).astype(np.float32)  # X, Y, Z, time
    path = tmp_path / "bold.nii.gz"
    nib.save(nib.Nifti1Image(data, np.eye(4)), path)
    scans = load_nifti_scans(path)
    assert scans.shape == (3, 4, 5, 6)
    np.testing.assert_allclose(scans[2], data[..., 2], rtol=1e-6)


def test_importable_without_torch():
    code = ("import sys; import skcomplexity.fmri, skcomplexity.datasets; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@parametrize_with_checks([MaxPool3DCompressor(), MaxPool3DCompressor(2, remainder="crop"),
                          DeltaRidgeDecoder(alpha=1.0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("params, name", [
    (dict(video_fps=0.0, fmri_hz=1.0), "video_fps"),
    (dict(video_fps=25.0, fmri_hz=float("inf")), "fmri_hz"),
    (dict(rounding="up"), "rounding"),
    (dict(scan_offset=1.5), "scan_offset"),
])
def test_frame_indices_parameter_errors(params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        frame_indices(3, **params)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        make_delta_pairs(np.zeros((5, 2)), np.zeros((5, 1)), **params)
    if name != "scan_offset":
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            DeltaRidgeDecoder(**params).fit(np.zeros((5, 2)), np.zeros((5, 1)))
