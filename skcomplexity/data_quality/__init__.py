"""Data-set quality metrics for machine-generated text (dissertation §6.3, §6.4.3).

A data set of human and machine texts is of good quality when a detector
cannot tell the two apart by superficial traits. The dissertation measures
this with the intrinsic dimension of the texts' token embeddings (PHD and
its sliding-window "topological time series", compared by
:func:`kl_tts`) and with the embedding shifts caused by two perturbations,
synonym replacement (:func:`delta_shift`) and sentence shuffling
(:func:`kl_shuffle`). :func:`quality_report` returns all the columns of
Table 6.9 for one data set.

Inputs are precomputed embeddings, so this module needs only numpy, scipy,
scikit-learn and pandas; WordNet synonyms need ``nltk`` and its data (the
``text`` extra).
"""

from ._metrics import cosine_shift, delta_shift, kl_shuffle, kl_tts
from ._perturb import SentenceShuffler, SynonymReplacer, WordNetSynonyms, split_sentences
from ._phd import mst_edge_lengths, phd, topological_time_series
from ._report import format_quality_table, quality_report

__all__ = [
    "SentenceShuffler",
    "SynonymReplacer",
    "WordNetSynonyms",
    "cosine_shift",
    "delta_shift",
    "format_quality_table",
    "kl_shuffle",
    "kl_tts",
    "mst_edge_lengths",
    "phd",
    "quality_report",
    "split_sentences",
    "topological_time_series",
]
