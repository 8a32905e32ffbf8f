"""The statistical half of the classifier: TF-IDF (jieba words, optional char n-grams) + LR.

``RootCauseModel`` follows scikit-learn manners: ``__init__`` stores parameters, ``fit`` sets
learned state with a trailing underscore, ``check_is_fitted`` guards inference. Its input is
the feature documents of ``opsrca.classify.tokenize.feature_docs`` (template + field tokens).
LogisticRegression's multinomial probabilities serve as the confidence; below ``threshold``
the answer is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from opsrca.classify.taxonomy import UNKNOWN
from opsrca.classify.tokenize import CONCEPT_PREFIX, readable, tokenize

__all__ = ["RootCauseModel"]


class RootCauseModel(ClassifierMixin, BaseEstimator):
    """Linear root-cause classifier over feature documents.

    Parameters
    ----------
    char_ngrams : also use char_wb 2-4 gram TF-IDF beside the jieba word 1-2 grams.
    C : inverse regularization strength of the logistic regression.
    threshold : probability below which ``predict`` answers ``unknown``.
    random_state : seed for the solver (training is deterministic).
    """

    def __init__(
        self,
        *,
        char_ngrams: bool = True,
        C: float = 10.0,
        threshold: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.char_ngrams = char_ngrams
        self.C = C
        self.threshold = threshold
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        parts: list[tuple[str, Any]] = [
            (
                "word",
                TfidfVectorizer(
                    tokenizer=tokenize,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            )
        ]
        if self.char_ngrams:
            parts.append(
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(2, 4),
                        sublinear_tf=True,
                        min_df=2,
                        max_features=60000,
                        dtype=np.float32,
                    ),
                )
            )
        # Newton-CG to a tight tolerance: the fit lands on the optimum itself, so the same data
        # gives the same weights on any machine and in any row order. L-BFGS at its default
        # tolerance stopped where summation order moved weights by up to 0.6, and was slower.
        # 1e-8 was tried (v39, v40): on a few hundred rows it lies below what float32 features
        # resolve, and the line search gives up with warnings.
        clf = LogisticRegression(
            C=self.C,
            solver="newton-cg",
            tol=1e-7,
            max_iter=200,
            class_weight="balanced",
            random_state=self.random_state,
        )
        return Pipeline([("features", FeatureUnion(parts)), ("clf", clf)])

    def fit(self, docs: Sequence[str], y: Sequence[str]) -> RootCauseModel:
        """Learn the vocabulary and weights from feature documents and labels."""
        if not 0.0 <= float(self.threshold) <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {self.threshold!r}")
        if float(self.C) <= 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        labels = np.asarray(list(y), dtype=object)
        if len(set(labels.tolist())) < 2:
            raise ValueError("need at least two distinct labels to fit")
        pipeline = self._pipeline()
        # One BLAS thread: the solver on small problems is many times slower with thread contention.
        with threadpool_limits(limits=1, user_api="blas"):
            pipeline.fit(list(docs), labels)
        self.pipeline_ = pipeline
        self.classes_ = pipeline.classes_
        word = pipeline.named_steps["features"].transformer_list[0][1]
        self.n_word_features_ = len(word.vocabulary_)
        self.word_terms_ = np.asarray(word.get_feature_names_out(), dtype=object)
        return self

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Everything a fitted model learned, as plain data: JSON-able parameters and
        vocabularies, and numeric arrays. ``from_state`` rebuilds the model from them, so a
        saved model is data that no loader can execute (see ``opsrca.classify.persist``)."""
        check_is_fitted(self, "pipeline_")
        vectorizers = dict(self.pipeline_.named_steps["features"].transformer_list)
        clf = self.pipeline_.named_steps["clf"]
        meta: dict[str, Any] = {
            "params": self.get_params(),
            "classes": [str(c) for c in self.classes_],
            "terms": {
                name: [str(t) for t in vec.get_feature_names_out()]
                for name, vec in vectorizers.items()
            },
        }
        arrays = {f"idf_{name}": np.asarray(vec.idf_) for name, vec in vectorizers.items()}
        arrays["coef"] = np.asarray(clf.coef_)
        arrays["intercept"] = np.asarray(clf.intercept_)
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> RootCauseModel:
        """Rebuild a fitted model from ``state()``; ``ValueError`` when the parts disagree."""
        params = meta["params"]
        model = cls(
            char_ngrams=bool(params["char_ngrams"]),
            C=float(params["C"]),
            threshold=float(params["threshold"]),
            random_state=int(params["random_state"]),
        )
        pipeline = model._pipeline()
        classes = np.asarray(meta["classes"], dtype=object)
        width = 0
        for name, vec in pipeline.named_steps["features"].transformer_list:
            terms = meta["terms"].get(name)
            idf = arrays.get(f"idf_{name}")
            if terms is None or idf is None or idf.shape != (len(terms),):
                raise ValueError(f"vectorizer {name!r}: vocabulary and idf do not match")
            vec.vocabulary_ = {term: i for i, term in enumerate(terms)}
            if len(vec.vocabulary_) != len(terms):
                raise ValueError(f"vectorizer {name!r}: repeated terms in the vocabulary")
            vec.idf_ = idf
            width += len(terms)
        coef, intercept = arrays["coef"], arrays["intercept"]
        rows = len(classes) if len(classes) > 2 else 1
        if coef.shape != (rows, width) or intercept.shape != (rows,):
            raise ValueError(
                f"weights of shape {coef.shape} / {intercept.shape} do not fit "
                f"{len(classes)} classes and {width} features"
            )
        clf = pipeline.named_steps["clf"]
        clf.classes_, clf.coef_, clf.intercept_ = classes, coef, intercept
        clf.n_features_in_ = width
        model.pipeline_ = pipeline
        model.classes_ = classes
        model.n_word_features_ = len(meta["terms"]["word"])
        model.word_terms_ = np.asarray(meta["terms"]["word"], dtype=object)
        return model

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        return self.scores(docs)[0]

    def scores(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities and, per document, whether it has any word the model knows.

        A document without one (gibberish, a language never seen, no platform) is scored on
        the class priors (and, with character n-grams, on letter pairs any text shares): a
        guess without evidence, which callers answer as ``unknown`` rather than as the most
        frequent category."""
        check_is_fitted(self, "pipeline_")
        x = self.pipeline_.named_steps["features"].transform(list(docs)).tocsr()
        proba = np.asarray(self.pipeline_.named_steps["clf"].predict_proba(x))
        words = x[:, : self.n_word_features_]  # the union puts the word block first
        return proba, np.diff(words.indptr) > 0

    def predict(self, docs: Sequence[str]) -> np.ndarray:
        """Most probable class, or ``unknown`` where its probability is below ``threshold``
        or the document has no feature the model knows."""
        proba, known = self.scores(docs)
        best = proba.argmax(axis=1)
        labels = self.classes_[best].astype(object)
        labels[(proba[np.arange(len(best)), best] < self.threshold) | ~known] = UNKNOWN
        return labels

    def oov_shares(self, templates: Sequence[str]) -> list[float | None]:
        """Share of each template's words outside the training vocabulary (None: no words).

        Stored per template at decision time, so reports can list templates the model never
        saw without loading the model."""
        check_is_fitted(self, "pipeline_")
        vocab = getattr(self, "_unigrams", None)
        if vocab is None:
            vocab = self._unigrams = {str(t) for t in self.word_terms_ if " " not in str(t)}
        out: list[float | None] = []
        for template in templates:
            words = [t for t in tokenize(template) if not t.startswith(("<", "__"))]
            out.append(sum(w not in vocab for w in words) / len(words) if words else None)
        return out

    def _concept_terms(self) -> np.ndarray:
        """Per word feature: does it hold a glossary concept token (cached)."""
        flags = getattr(self, "_concept_flags", None)
        if flags is None:
            flags = np.array([CONCEPT_PREFIX in str(t) for t in self.word_terms_], dtype=bool)
            self._concept_flags = flags
        return flags

    def top_terms(self, docs: Sequence[str], classes: Sequence[str], k: int = 3) -> list[str]:
        """The ``k`` word features that weigh most for the given class of each document.

        Vectorized over the sparse matrix (no per-row model calls); used as evidence.
        """
        check_is_fitted(self, "pipeline_")
        word = self.pipeline_.named_steps["features"].transformer_list[0][1]
        x = word.transform(list(docs)).tocsr()
        coef = self.pipeline_.named_steps["clf"].coef_[:, : self.n_word_features_]
        if coef.shape[0] == 1:  # binary problems keep one row: the weights of classes_[1]
            coef = np.vstack([-coef, coef])
        index = {c: i for i, c in enumerate(self.classes_)}
        cls = np.array([index.get(c, -1) for c in classes])
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        valid = cls[rows] >= 0
        contrib = np.zeros(len(rows), dtype=np.float64)
        contrib[valid] = x.data[valid] * coef[cls[rows[valid]], x.indices[valid]]
        keep = contrib > 0
        rows, cols, contrib = rows[keep], x.indices[keep], contrib[keep]
        # The message's own words first, glossary concepts after: an analyst reads words.
        concept = self._concept_terms()[cols]
        order = np.lexsort((-contrib, concept, rows))
        rows, cols = rows[order], cols[order]
        starts = np.searchsorted(rows, np.arange(x.shape[0]))
        rank = np.arange(len(rows)) - starts[rows]
        top = rank < k
        out: list[list[str]] = [[] for _ in range(x.shape[0])]
        for r, term in zip(rows[top].tolist(), self.word_terms_[cols[top]].tolist(), strict=True):
            out[r].append(readable(term))
        return [", ".join(terms) for terms in out]
