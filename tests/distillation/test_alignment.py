"""Structure alignment by Gaussian conditioning vs the dense formulas (precision-matrix route)."""

import numpy as np
import pytest

from skcomplexity.distillation import (
    align_posterior,
    alignment_sequence,
    apply_alignment,
    mlp_parameter_layout,
    remove_layer_gaussian,
    remove_neuron_gaussian,
)


def _gaussian(p, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(p, p))
    return rng.normal(size=p), A @ A.T / p + 0.5 * np.eye(p)


def _dense_condition(m, S, cond, values, keep):
    """Conditional of a Gaussian through the precision matrix (independent of the covariance route)."""
    Lam = np.linalg.inv(S)
    rest = np.setdiff1d(np.arange(len(m)), cond)
    Lrr = Lam[np.ix_(rest, rest)]
    mean_rest = m[rest] - np.linalg.solve(Lrr, Lam[np.ix_(rest, cond)] @ (values - m[cond]))
    cov_rest = np.linalg.inv(Lrr)
    pos = np.searchsorted(rest, keep)
    return mean_rest[pos], cov_rest[np.ix_(pos, pos)]


@pytest.mark.parametrize("bias", [False, True])
def test_neuron_removal_equals_dense_formula(bias):
    sizes, t, j = (3, 4, 2), 1, 1
    W, b, p = mlp_parameter_layout(sizes, bias)
    m, S = _gaussian(p)
    got_m, got_S, new_sizes = remove_neuron_gaussian(m, S, sizes, t, j, bias=bias)
    cond = W[1][:, j]                               # outgoing weights -> 0
    drop = list(W[0][j]) + ([b[0][j]] if bias else [])  # incoming weights (+ bias): marginalised
    keep = np.setdiff1d(np.arange(p), np.r_[cond, drop])
    exp_m, exp_S = _dense_condition(m, S, cond, np.zeros(cond.size), keep)
    np.testing.assert_allclose(got_m, exp_m, atol=1e-9)
    np.testing.assert_allclose(got_S, exp_S, atol=1e-9)
    assert new_sizes == (3, 3, 2)


@pytest.mark.parametrize("bias", [False, True])
def test_layer_removal_equals_dense_formula(bias):
    sizes = (2, 3, 3, 2)
    W, b, p = mlp_parameter_layout(sizes, bias)
    m, S = _gaussian(p, 1)
    got_m, got_S, new_sizes = remove_layer_gaussian(m, S, sizes, 2, bias=bias)
    cond = np.r_[W[1].ravel(), b[1] if bias else []].astype(int)
    values = np.r_[np.eye(3).ravel(), np.zeros(3) if bias else []]
    keep = np.setdiff1d(np.arange(p), cond)
    exp_m, exp_S = _dense_condition(m, S, cond, values, keep)
    np.testing.assert_allclose(got_m, exp_m, atol=1e-9)
    np.testing.assert_allclose(got_S, exp_S, atol=1e-9)
    assert new_sizes == (2, 3, 2)
    with pytest.raises(ValueError, match="square"):
        remove_layer_gaussian(m, S, sizes, 1, bias=bias)


def test_slides_example_sequences():
    teacher, student = (10, 6, 7, 10), (10, 4, 6, 10)
    seq = alignment_sequence(teacher, student)
    assert seq == [("neuron", 1), ("neuron", 1), ("neuron", 2)]
    p = mlp_parameter_layout(teacher, bias=False)[2]
    m, S = _gaussian(p, 2)
    tau = [seq, [("neuron", 2), ("neuron", 1), ("neuron", 1)],
           [("neuron", 1), ("neuron", 2), ("neuron", 1)]]
    results = [apply_alignment(m, S, teacher, t, bias=False) for t in tau]
    assert all(sizes == student for _, _, sizes in results)
    # The three sequences are all valid but give different Gaussians: the weight joining
    # two removed neurons of adjacent layers is conditioned on 0 when the lower neuron goes
    # first and only marginalised otherwise.
    assert not np.allclose(results[0][0], results[1][0])
    # tau_2 written out: condition W_2[:, 6], W_1[:6, 5], W_1[:6, 4] on 0 and drop the rest.
    W, _, _ = mlp_parameter_layout(teacher, bias=False)
    cond = np.r_[W[2][:, 6], W[1][:6, 5], W[1][:6, 4]]
    keep = np.r_[W[0][:4].ravel(), W[1][:6, :4].ravel(), W[2][:, :6].ravel()]
    exp_m, exp_S = _dense_condition(m, S, cond, np.zeros(cond.size), np.sort(keep))
    np.testing.assert_allclose(results[1][0], exp_m, atol=1e-9)
    np.testing.assert_allclose(results[1][1], exp_S, atol=1e-9)


def test_stepwise_equals_joint_conditioning():
    teacher, student = (3, 5, 4, 2), (3, 4, 2)
    m, S = _gaussian(mlp_parameter_layout(teacher)[2], 3)
    jm, jS, seq = align_posterior(m, S, teacher, student)
    assert seq == [("neuron", 1), ("layer", 2)]
    sm, sS, sizes = remove_neuron_gaussian(m, S, teacher, 1)
    sm, sS, sizes = remove_layer_gaussian(sm, sS, sizes, 2)
    assert sizes == student
    np.testing.assert_allclose(jm, sm, atol=1e-8)
    np.testing.assert_allclose(jS, sS, atol=1e-8)


def test_layer_removal_keeps_the_function_for_relu():
    # teacher mean with W_1 = I: after psi the aligned mean net computes the same ReLU function
    rng = np.random.default_rng(4)
    sizes = (3, 4, 4, 2)
    W, b, p = mlp_parameter_layout(sizes)
    m = rng.normal(size=p)
    m[W[1].ravel()] = np.eye(4).ravel()
    m[b[1]] = 0.0
    S = 1e-6 * _gaussian(p, 5)[1]
    am, _, new = remove_layer_gaussian(m, S, sizes, 2)

    def forward(theta, sizes, x):
        Ws, bs, _ = mlp_parameter_layout(sizes)
        for k, (wi, bi) in enumerate(zip(Ws, bs, strict=True)):
            x = x @ theta[wi].T + theta[bi]
            if k < len(Ws) - 1:
                x = np.maximum(x, 0)
        return x

    x = rng.normal(size=(10, 3))
    np.testing.assert_allclose(forward(am, new, x), forward(m, sizes, x), atol=1e-8)


def test_parameter_counts_and_errors():
    assert mlp_parameter_layout((10, 100, 50, 1), bias=False)[2] == 6050
    assert mlp_parameter_layout((10, 50, 1), bias=False)[2] == 550
    seq = alignment_sequence((10, 100, 50, 1), (10, 50, 1))
    assert seq.count(("layer", 2)) == 1 and len(seq) == 51
    with pytest.raises(ValueError, match="deeper"):
        alignment_sequence((3, 4, 2), (3, 4, 4, 2))
    with pytest.raises(ValueError, match="input and output"):
        alignment_sequence((3, 4, 2), (2, 4, 2))
    with pytest.raises(ValueError, match="not in the set"):
        alignment_sequence((3, 2, 2), (3, 5, 2))
    with pytest.raises(ValueError, match="shapes"):
        apply_alignment(np.zeros(3), np.eye(3), (3, 4, 2), [])
