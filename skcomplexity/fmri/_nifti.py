"""Reading fMRI scans from NIfTI files (needs ``nibabel``, the ``fmri`` extra)."""

import numpy as np

__all__ = ["load_nifti_scans"]


def load_nifti_scans(path, *, dtype=np.float64):
    """Read a 4-D NIfTI file (X, Y, Z, time) as scans of shape (n_scans, X, Y, Z).

    Needs ``nibabel`` (``pip install skcomplexity[fmri]``).

    Parameters
    ----------
    path : str or path-like or nibabel image
        A ``.nii``/``.nii.gz`` file or an already loaded image.
    dtype : numpy dtype, default=float64
        Type of the returned array.

    Returns
    -------
    scans : ndarray of shape (n_scans, X, Y, Z)
        A 3-D image gives one scan.

    Examples
    --------
    >>> from skcomplexity.fmri import load_nifti_scans
    >>> scans = load_nifti_scans("sub-01_task-film_bold.nii.gz")  # doctest: +SKIP
    """
    try:
        import nibabel as nib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Reading NIfTI needs nibabel: pip install 'skcomplexity[fmri]' "
                          "(or pip install nibabel).") from exc
    img = path if hasattr(path, "dataobj") else nib.load(path)
    data = np.asarray(img.dataobj, dtype=dtype)
    if data.ndim == 3:
        data = data[..., None]
    if data.ndim != 4:
        raise ValueError(f"Expected a 3-D or 4-D NIfTI image, got {data.ndim} dimensions.")
    return np.ascontiguousarray(np.moveaxis(data, -1, 0))
