"""Distillation losses as plain torch functions.

All of them return the **mean over the batch** of a per-object loss (the
text sums over objects; a batch mean only rescales the learning rate).

Notation: ``z`` are the student's logits, ``g|_T = softmax(z / T)``;
``alpha`` in [0, 1] is the weight of the teacher; ``mask`` marks the
objects whose teacher answer is known (the set I of the slides: all objects
for plain distillation, those with privileged information for Vapnik's
setting). Per object ``i``

* classification (Hinton, Ch. 1 weighting with the probabilistic mask)::

      l_i = (1 - alpha m_i) CE(y_i, g|_1) + alpha m_i c_T CE(s_i, g|_T)

  with ``s_i = softmax(v_i / T)`` the tempered teacher and ``c_T = T**2``
  when ``temperature_scaling`` (Hinton et al.'s correction: the soft term's
  gradient is O(1/T^2), so multiplying by T^2 keeps the two terms on the same
  scale as T changes) and 1 otherwise (the dissertation's formula);
* ``kind="probabilistic"`` adds the log-normaliser of the slides' density
  ``p(s | x, g) = C prod_k g_k^{s_k}`` (Theorem of S-L130):
  ``- alpha m_i c_T sum_k [log g_k + log log(1/g_k)]|_T``, with ``g_k``
  clamped to ``[eps, 1 - eps]`` (the theorem's epsilon condition);
* regression (probabilistic statement, S-L138)::

      l_i = (1 - alpha m_i) sigma^2 (y_i - g_i)^2 + alpha m_i sigma_s^2 (s_i - g_i)^2

  exactly as written on the slide (sigma and sigma_s act as precisions).
"""

import torch
import torch.nn.functional as F

__all__ = [
    "soft_targets",
    "distillation_loss",
    "regression_distillation_loss",
]


def soft_targets(teacher_logits=None, teacher_proba=None, temperature=1.0):
    """Tempered teacher distribution ``softmax(v / T)``.

    Parameters
    ----------
    teacher_logits : torch.Tensor of shape (n, K), optional
        Teacher logits ``v`` (log-probabilities work as well).
    teacher_proba : torch.Tensor of shape (n, K), optional
        Teacher probabilities ``p``; then ``s = p**(1/T) / sum(p**(1/T))``,
        which is the same distribution and accepts exact zeros (one-hot).
    temperature : float, default=1.0

    Returns
    -------
    torch.Tensor of shape (n, K)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.distillation import soft_targets
    >>> soft_targets(torch.tensor([[2.0, 0.0]]), temperature=1e6).round(decimals=3)
    tensor([[0.5000, 0.5000]])
    """
    if (teacher_logits is None) == (teacher_proba is None):
        raise ValueError("Pass exactly one of teacher_logits and teacher_proba.")
    if teacher_logits is not None:
        return torch.softmax(teacher_logits / temperature, dim=-1)
    p = teacher_proba.clamp_min(0) ** (1.0 / temperature)
    return p / p.sum(dim=-1, keepdim=True)


def distillation_loss(student_logits, y, teacher_logits=None, *, teacher_proba=None,
                      alpha=0.5, temperature=2.0, mask=None, kind="hinton",
                      temperature_scaling=True, log_normalizer=True, eps=1e-6):
    """Hinton / probabilistic distillation loss for classification.

    Parameters
    ----------
    student_logits : torch.Tensor of shape (n, K)
    y : torch.Tensor of shape (n,)
        Integer labels in ``0..K-1``.
    teacher_logits, teacher_proba : torch.Tensor of shape (n, K)
        The teacher's logits or probabilities at T = 1 (exactly one).
    alpha : float in [0, 1], default=0.5
        Teacher weight: ``alpha=0`` is cross-entropy on the labels,
        ``alpha=1`` is the teacher term alone (on masked objects).
    temperature : float > 0, default=2.0
    mask : torch.Tensor of shape (n,), optional
        1 where the teacher's answer is known (default: everywhere).
    kind : {"hinton", "probabilistic"}, default="hinton"
    temperature_scaling : bool, default=True
        Multiply the teacher term by ``T**2``.
    log_normalizer : bool, default=True
        For ``kind="probabilistic"``: include the ``log C`` term.
    eps : float, default=1e-6
        Clamp for ``log log(1/g)``.

    Returns
    -------
    torch.Tensor
        Scalar loss (batch mean).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.distillation import distillation_loss
    >>> z, v = torch.randn(4, 3), torch.randn(4, 3)
    >>> y = torch.tensor([0, 1, 2, 0])
    >>> ce = torch.nn.functional.cross_entropy(z, y)
    >>> bool(torch.isclose(distillation_loss(z, y, v, alpha=0.0), ce))
    True
    """
    if kind not in ("hinton", "probabilistic"):
        raise ValueError(f"kind must be 'hinton' or 'probabilistic', got {kind!r}.")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}.")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}.")
    s = soft_targets(teacher_logits, teacher_proba, temperature).to(student_logits.dtype)
    n = student_logits.shape[0]
    m = torch.ones(n, dtype=student_logits.dtype, device=student_logits.device)
    if mask is not None:
        m = mask.to(student_logits.dtype)
    hard = F.cross_entropy(student_logits, y.long(), reduction="none")
    log_g_t = torch.log_softmax(student_logits / temperature, dim=-1)
    soft = -(s * log_g_t).sum(dim=-1)
    scale = temperature**2 if temperature_scaling else 1.0
    teacher_term = soft
    if kind == "probabilistic" and log_normalizer:
        g = torch.exp(log_g_t).clamp(eps, 1 - eps)
        log_c = (torch.log(g) + torch.log(-torch.log(g))).sum(dim=-1)
        teacher_term = teacher_term - log_c
    per_object = (1 - alpha * m) * hard + alpha * m * scale * teacher_term
    return per_object.mean()


def regression_distillation_loss(pred, y, teacher_pred, *, alpha=0.5, mask=None,
                                 sigma=1.0, sigma_s=1.0):
    """Probabilistic distillation loss for regression (slides S-L138-157).

    Parameters
    ----------
    pred, y, teacher_pred : torch.Tensor of shape (n,) or (n, k)
        Student predictions, targets and teacher predictions.
    alpha : float in [0, 1], default=0.5
    mask : torch.Tensor of shape (n,), optional
        1 where the teacher's answer is known.
    sigma, sigma_s : float, default=1.0
        Weights ``sigma**2`` and ``sigma_s**2`` of the two squared errors,
        as written on the slide.

    Returns
    -------
    torch.Tensor
        Scalar loss (batch mean, summed over output columns).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.distillation import regression_distillation_loss
    >>> g, y, s = torch.zeros(3), torch.ones(3), 3 * torch.ones(3)
    >>> float(regression_distillation_loss(g, y, s, alpha=0.5))
    5.0
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}.")
    pred = pred.reshape(pred.shape[0], -1)
    y = y.reshape(pred.shape).to(pred.dtype)
    teacher_pred = teacher_pred.reshape(pred.shape).to(pred.dtype)
    m = torch.ones(pred.shape[0], dtype=pred.dtype, device=pred.device)
    if mask is not None:
        m = mask.to(pred.dtype)
    m = m[:, None]
    hard = sigma**2 * (y - pred) ** 2
    soft = sigma_s**2 * (teacher_pred - pred) ** 2
    return ((1 - alpha * m) * hard + alpha * m * soft).sum(dim=1).mean()
