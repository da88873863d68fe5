"""Sentence shuffle and synonym replacement as scikit-learn transformers."""

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.data_quality import (
    SentenceShuffler,
    SynonymReplacer,
    WordNetSynonyms,
    split_sentences,
)

SYN = {"big": ["large", "huge"], "house": ["home"], "the": ["this"], "red": ["crimson"]}


def _text(s):
    return " ".join(f"Sentence number {i}." for i in range(s))


@pytest.mark.parametrize("s", [2, 3, 7, 10])
def test_shuffle_moves_ceil_p_share(s):
    text = _text(s)
    out = SentenceShuffler(p=0.7, random_state=0).transform([text])[0]
    before, after = split_sentences(text), split_sentences(out)
    assert sorted(before) == sorted(after)
    moved = sum(a != b for a, b in zip(before, after))
    assert moved == min(s, max(2, math.ceil(0.7 * s)))


def test_shuffle_edge_cases_and_seed():
    sh = SentenceShuffler(random_state=1)
    texts = ["Only one sentence here.", "", _text(6)]
    out = sh.transform(texts)
    assert out[:2] == texts[:2]
    assert out == sh.transform(texts)  # re-seeded at every call
    assert SentenceShuffler(p=1.0, random_state=0).transform([_text(5)])[0] != _text(5)
    custom = SentenceShuffler(p=1.0, splitter=lambda t: t.split("|"), random_state=0)
    assert sorted(custom.transform(["a|b|c"])[0].split(" ")) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="single string"):
        sh.transform("not a list")
    with pytest.raises(ValueError, match="p"):
        SentenceShuffler(p=0).transform([_text(3)])


def test_synonyms_by_hand():
    rep = SynonymReplacer(p=1.0, synonyms=SYN, random_state=0)
    out = rep.transform(["The big red house, big!", "Nothing to change."])
    words = out[0].replace(",", "").replace("!", "").split()
    assert words[0] == "This"  # capitalisation kept
    assert words[1] in ("large", "huge") and words[2] == "crimson" and words[3] == "home"
    assert out[0].endswith("!") and "," in out[0]
    assert out[1] == "Nothing to change."
    assert SynonymReplacer(p=0.0, synonyms=SYN).transform(["The big house"]) == ["The big house"]
    assert SynonymReplacer(p=1.0, synonyms=SYN).transform(["BIG"])[0] in ("LARGE", "HUGE")
    # a callable source
    assert SynonymReplacer(p=1.0, synonyms=lambda w: [w[::-1]]).transform(["abc de"]) == ["cba ed"]


def test_synonym_rate_is_p():
    text = " ".join(["big"] * 2000)
    out = SynonymReplacer(p=0.7, synonyms=SYN, random_state=0).transform([text])[0].split()
    rate = np.mean([w != "big" for w in out])
    assert abs(rate - 0.7) < 4 * np.sqrt(0.7 * 0.3 / 2000)


def test_wordnet_source_needs_installed_data():
    pytest.importorskip("nltk")
    src = WordNetSynonyms()
    try:
        src.check_available()
    except LookupError as exc:
        assert "nltk.downloader wordnet" in str(exc)
        with pytest.raises(LookupError, match="does not download"):
            SynonymReplacer().fit(["text"])
    else:  # pragma: no cover - only where the WordNet data are installed
        assert "automobile" in src("car")


def test_wordnet_lemmas_processing_with_a_stub_corpus():
    # the WordNet data cannot be installed here: check the lemma handling on a stand-in corpus
    class Synset:
        def __init__(self, names):
            self.names = names

        def lemma_names(self, lang="eng"):
            return self.names

    class Corpus:
        def synsets(self, word, lang="eng"):
            return {"car": [Synset(["car", "auto", "automobile"]), Synset(["car", "railcar"]),
                            Synset(["cable_car", "car"])]}.get(word, [])

    src = WordNetSynonyms()
    src._wn = Corpus()
    assert src("Car") == ["auto", "automobile", "cable car", "railcar"]
    assert src("xyz") == []
    rep = SynonymReplacer(p=1.0, synonyms=src, random_state=0)
    assert rep.transform(["A car."])[0] in {f"A {w}." for w in src("car")}


def test_in_a_pipeline_and_clone():
    pipe = make_pipeline(SynonymReplacer(p=1.0, synonyms=SYN, random_state=0), CountVectorizer())
    Xt = pipe.fit_transform(["the big house", "a red car"])
    assert "home" in pipe[-1].vocabulary_ and "house" not in pipe[-1].vocabulary_
    assert Xt.shape[0] == 2
    c = clone(SentenceShuffler(p=0.5, random_state=3))
    assert c.get_params()["p"] == 0.5 and c.get_params()["random_state"] == 3


# string-input transformers: scikit-learn's generic checks apply to 2-D numeric input only, so
# parametrize_with_checks runs its API checks that apply (clone) and the tests above cover the rest
@parametrize_with_checks([SentenceShuffler(random_state=0),
                          SynonymReplacer(synonyms=SYN, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
