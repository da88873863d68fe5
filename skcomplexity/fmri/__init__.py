"""Data-complexity reduction for fMRI decoding (dissertation §6.2, §6.4.2).

The decoder of the text predicts the next fMRI scan from the previous one and
the video frame shown ``delay`` seconds earlier. Under the Markov assumption
the difference of consecutive scans is a linear function of the frame
embedding :math:`\\mathbf{x}`,

.. math::

    \\boldsymbol\\delta_\\ell = \\mathbf{s}_\\ell - \\mathbf{s}_{\\ell-1}
    \\approx \\mathbf{W}\\mathbf{x}_{k_\\ell - \\nu\\Delta t},
    \\qquad k_\\ell = \\ell\\,\\nu/\\mu,

fitted per voxel by ridge regression without intercept,
:math:`\\hat{\\mathbf{w}} = (\\mathbf{X}^\\top\\mathbf{X} + \\alpha\\mathbf{I})^{-1}
\\mathbf{X}^\\top\\Delta`. All voxels share :math:`\\mathbf{X}`, so one
Cholesky factorisation serves every voxel and the fit costs
:math:`O(d^3 + d^2N + dNV)`: linear in the number of voxels :math:`V`. The
data-complexity reduction is a 3-D max pooling of the scans
(:class:`MaxPool3DCompressor`), which divides :math:`V` by ``factor**3``.

The package is split along the pipeline: ``_compressor`` (the max pooling),
``_alignment`` (which frame drives which scan, and the pairs), ``_decoder``
(the closed-form ridge and the estimator) and ``_nifti`` (reading scans).

Frame embeddings come from the user (the text used ResNet152 without its last
layer; see the user guide for the torchvision recipe). This module needs only
numpy, scipy and scikit-learn; :func:`load_nifti_scans` needs ``nibabel``
(the ``fmri`` extra).
"""

from ._alignment import frame_indices, make_delta_pairs
from ._compressor import MaxPool3DCompressor
from ._decoder import DeltaRidgeDecoder, solve_ridge_no_intercept
from ._nifti import load_nifti_scans

__all__ = [
    "MaxPool3DCompressor",
    "DeltaRidgeDecoder",
    "frame_indices",
    "make_delta_pairs",
    "solve_ridge_no_intercept",
    "load_nifti_scans",
]
