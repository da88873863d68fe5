"""Text perturbations of §6.3 as scikit-learn transformers: sentence shuffle and synonym replacement."""

import math
import re
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["split_sentences", "SentenceShuffler", "SynonymReplacer", "WordNetSynonyms"]

_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


def split_sentences(text):
    """Split a text into sentences at ``.``, ``!``, ``?`` or ``…`` followed by white space.

    A deliberately simple rule (the text does not name its splitter, Q19);
    pass another callable as ``splitter`` to :class:`SentenceShuffler` (e.g.
    ``nltk.sent_tokenize``) where abbreviations matter.

    Examples
    --------
    >>> from skcomplexity.data_quality import split_sentences
    >>> split_sentences("One. Two!  Three? Four")
    ['One.', 'Two!', 'Three?', 'Four']
    """
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _check_texts(X):
    if isinstance(X, (str, bytes)):
        raise ValueError("Expected an iterable of texts (e.g. a list of str), got a single string.")
    texts = list(X)
    for t in texts:
        if not isinstance(t, str):
            raise ValueError(f"Every text must be a str, got {type(t).__name__}.")
    return texts


class _TextPerturber(TransformerMixin, BaseEstimator):
    """Shared plumbing: stateless, seeded transformers on lists of strings."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Check the parameters (nothing is learned).

        Parameters
        ----------
        X : iterable of str, optional
            Ignored.
        y : ignored

        Returns
        -------
        self
        """
        self._prepare()
        return self

    def _prepare(self):
        """Whatever ``_perturb`` needs, checked once per call (raises if unavailable)."""
        return None

    def transform(self, X):
        """Perturb every text.

        The generator is re-seeded from ``random_state`` at every call, so an
        integer seed gives the same output for the same input.

        Parameters
        ----------
        X : iterable of str
            Texts.

        Returns
        -------
        list of str
            The perturbed texts, in the input order.
        """
        self._validate_params()
        state = self._prepare()
        texts = _check_texts(X)
        rng = check_random_state(self.random_state)
        return [self._perturb(t, rng, state) for t in texts]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = self.random_state is None
        return tags


class SentenceShuffler(_TextPerturber):
    """Change the order of a share of each text's sentences (the "shuffle" of §6.3, L4929).

    The text "splits the fragment into sentences and randomly changes the
    order of 70% of the sentences, chosen at random". Here
    :math:`k = \\lceil p\\,s\\rceil` of the :math:`s` sentences are chosen
    uniformly (at least two), and they are permuted among their positions by
    a random cyclic permutation (Sattolo), so that every chosen sentence
    moves; a uniform permutation would leave some in place and, for a
    two-sentence text, half of the texts unchanged. Texts with fewer than two
    sentences are returned unchanged. Sentences are re-joined with one space.

    Parameters
    ----------
    p : float, default=0.7
        Share of the sentences that change place, in (0, 1].
    splitter : callable, optional
        ``str -> list of str``; default :func:`split_sentences`.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Examples
    --------
    >>> from skcomplexity.data_quality import SentenceShuffler
    >>> text = "A one. B two. C three. D four. E five."
    >>> out = SentenceShuffler(random_state=0).transform([text])[0]
    >>> sorted(out.split(" ")) == sorted(text.split(" ")), out != text
    (True, True)
    """

    _parameter_constraints = {
        "p": [Interval(Real, 0, 1, closed="right")],
        "splitter": [None, callable],
        "random_state": ["random_state"],
    }

    def __init__(self, p=0.7, *, splitter=None, random_state=None):
        self.p = p
        self.splitter = splitter
        self.random_state = random_state

    def _perturb(self, text, rng, state):
        sents = (self.splitter or split_sentences)(text)
        s = len(sents)
        if s < 2:
            return text
        k = min(s, max(2, math.ceil(self.p * s - 1e-12)))
        pos = np.sort(rng.choice(s, size=k, replace=False))
        perm = np.arange(k)
        for i in range(k - 1, 0, -1):  # Sattolo: a uniformly random k-cycle, no fixed point
            j = rng.randint(i)
            perm[i], perm[j] = perm[j], perm[i]
        out = list(sents)
        for a, b in zip(pos, pos[perm]):
            out[a] = sents[b]
        return " ".join(out)


class WordNetSynonyms:
    """Synonyms from WordNet through nltk: ``word -> list of str``.

    The lemma names of every synset of the word, minus the word itself,
    with underscores turned into spaces, in a fixed (sorted) order. Needs
    ``nltk`` (``pip install skcomplexity[text]``) and its WordNet data,
    which skcomplexity never downloads: install them once with
    ``python -m nltk.downloader wordnet``.

    Parameters
    ----------
    lang : str, default="eng"
        WordNet language code (other languages need the ``omw-1.4`` data).

    Examples
    --------
    >>> from skcomplexity.data_quality import WordNetSynonyms
    >>> WordNetSynonyms()("car")[:2]  # doctest: +SKIP
    ['auto', 'automobile']
    """

    def __init__(self, lang="eng"):
        self.lang = lang
        self._wn = None

    def check_available(self):
        """Load WordNet, or raise an ImportError/LookupError that says how to install it."""
        if self._wn is not None:
            return
        try:
            from nltk.corpus import wordnet as wn
        except ImportError as exc:
            raise ImportError("WordNet synonyms need nltk: pip install 'skcomplexity[text]'. "
                              "Or pass a dict or a callable as synonyms.") from exc
        try:
            wn.ensure_loaded()
        except LookupError as exc:
            raise LookupError("nltk's WordNet data are not installed; skcomplexity does not "
                              "download them at run time. Install them once with "
                              "`python -m nltk.downloader wordnet`, or pass a dict or a callable "
                              "as synonyms.") from exc
        self._wn = wn

    def __call__(self, word):
        self.check_available()
        low = word.lower()
        names = {lemma.replace("_", " ") for syn in self._wn.synsets(low, lang=self.lang)
                 for lemma in syn.lemma_names(lang=self.lang)}
        names.discard(low)
        return sorted(n for n in names if n.lower() != low)

    def __repr__(self):
        return f"WordNetSynonyms(lang={self.lang!r})"


class SynonymReplacer(_TextPerturber):
    """Replace words by synonyms with probability ``p`` (the "adversarial token perturbation", L4919).

    The text splits a text into tokens and replaces each by a WordNet synonym
    with probability 70%. Here the tokens are words (``\\w+`` runs, with
    inner apostrophes); punctuation and white space are kept as they are.
    Every word is replaced independently with probability ``p`` by a synonym
    drawn uniformly from its candidates; words without a synonym stay
    unchanged, so the realised share of changed words is at most ``p``.
    A capitalised or upper-case word gives a synonym with the same case.

    Parameters
    ----------
    p : float, default=0.7
        Replacement probability per word, in [0, 1].
    synonyms : "wordnet", dict or callable, default="wordnet"
        Synonym source: ``"wordnet"`` (:class:`WordNetSynonyms`, needs nltk
        and its data), a dict ``word -> list of synonyms`` (looked up in
        lower case) or a callable ``word -> list of synonyms``.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Examples
    --------
    >>> from skcomplexity.data_quality import SynonymReplacer
    >>> syn = {"quick": ["fast", "rapid"], "dog": ["hound"]}
    >>> SynonymReplacer(p=1.0, synonyms=syn, random_state=0).transform(["The quick dog."])
    ['The rapid hound.']
    """

    _parameter_constraints = {
        "p": [Interval(Real, 0, 1, closed="both")],
        "synonyms": [dict, callable, StrOptions({"wordnet"})],
        "random_state": ["random_state"],
    }

    def __init__(self, p=0.7, *, synonyms="wordnet", random_state=None):
        self.p = p
        self.synonyms = synonyms
        self.random_state = random_state

    def _prepare(self):
        src = self.synonyms
        if isinstance(src, str):  # "wordnet", the one string the constraints admit
            src = WordNetSynonyms()
            src.check_available()
            return src
        if isinstance(src, dict):
            table = {str(k).lower(): list(v) for k, v in src.items()}
            return lambda w: table.get(w.lower(), [])
        return src

    def _perturb(self, text, rng, source):
        out = []
        last = 0
        for mt in _WORD.finditer(text):
            word = mt.group(0)
            out.append(text[last:mt.start()])
            last = mt.end()
            if rng.random_sample() >= self.p:
                out.append(word)
                continue
            cands = [c for c in source(word) if c.lower() != word.lower()]
            if not cands:
                out.append(word)
                continue
            new = cands[rng.randint(len(cands))]
            if word.isupper() and len(word) > 1:
                new = new.upper()
            elif word[:1].isupper():
                new = new[:1].upper() + new[1:]
            out.append(new)
        out.append(text[last:])
        return "".join(out)
