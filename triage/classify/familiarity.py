"""Does a text resemble what the classical model learned from?

The model spreads its probability over the intents it knows, so it can be confident about
mail unlike anything in its training data (a kernel-patch discussion, a spam offer). This
check keeps the training texts as rows of a word-level TF-IDF matrix and scores a new text by
its cosine similarity to the nearest ones; below a threshold chosen on the validation split the
text is "unfamiliar" and the classical model must not route it alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import skops.io as sio
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from skops.io.exceptions import UntrustedTypesFoundException

from triage.errors import ConfigurationError

FAMILIARITY_FILE = "familiarity.skops"
# The start of the reason (and review reason) given for a text unlike the training data.
UNFAMILIAR = "unfamiliar"
# Share of the validation split allowed to fall below the threshold.
VALIDATION_MISS = 0.01
_CHUNK = 64
_MIN_DF_FROM = 50  # below this many training texts every word counts


def word_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    """The word space the check compares texts in: uni- and bigrams of letter-only words.

    Numbers and references (S00042) say nothing about the kind of mail, and a word seen once
    in training (a name) would make any text that mentions it look familiar: both are left out.
    """
    return TfidfVectorizer(
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        min_df=min_df,
        strip_accents="unicode",
        sublinear_tf=True,
        dtype=np.float32,
    )


class Familiarity:
    """The training texts as L2-normalised word TF-IDF rows, and the similarity threshold."""

    def __init__(
        self, vectorizer: TfidfVectorizer, matrix: sparse.csr_matrix, threshold: float = 0.0
    ) -> None:
        self.vectorizer = vectorizer
        self.matrix = matrix
        self.threshold = threshold

    @classmethod
    def fit(cls, texts: Sequence[str]) -> Familiarity:
        """Fit the word vectorizer on the training texts and keep their rows."""
        vectorizer = word_vectorizer(min_df=2 if len(texts) >= _MIN_DF_FROM else 1)
        matrix = sparse.csr_matrix(vectorizer.fit_transform(list(texts)))
        vectorizer.vocabulary_ = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_  # only explains what was dropped; large in the file
        return cls(vectorizer, matrix)

    def similarity(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the cosine similarity to its nearest training text (0 to 1)."""
        scores = np.zeros(len(texts), dtype=float)
        if self.matrix.shape[0] == 0:
            return scores
        for start in range(0, len(texts), _CHUNK):
            rows = self.vectorizer.transform(list(texts[start : start + _CHUNK]))
            # Sparse training rows times a dense block of columns: the fastest product here.
            nearest = np.asarray(self.matrix @ rows.T.toarray()).max(axis=0)
            scores[start : start + len(nearest)] = nearest
        return scores

    def familiar(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, whether it reaches the threshold."""
        return self.similarity(texts) >= self.threshold

    def choose_threshold(self, texts: Sequence[str], miss: float = VALIDATION_MISS) -> float:
        """Set the threshold so that about `miss` of these held-out texts fall below it."""
        scores = self.similarity(texts)
        self.threshold = float(np.quantile(scores, miss)) if len(scores) else 0.0
        return self.threshold

    def save(self, path: Path) -> None:
        """Write the vectorizer and the training matrix to one skops file (never a pickle)."""
        sio.dump({"vectorizer": self.vectorizer, "matrix": self.matrix}, path, compression=8)

    @classmethod
    def load(cls, path: Path, trusted: Sequence[str], threshold: float) -> Familiarity:
        """Read a file written by `save`, allowing only the `trusted` types."""
        try:
            state = sio.load(path, trusted=list(trusted))
        except UntrustedTypesFoundException as exc:
            raise ConfigurationError(f"{path} holds untrusted types: {exc}") from exc
        vectorizer = state.get("vectorizer") if isinstance(state, dict) else None
        matrix = state.get("matrix") if isinstance(state, dict) else None
        if not isinstance(vectorizer, TfidfVectorizer) or not sparse.issparse(matrix):
            raise ConfigurationError(f"{path} is not a familiarity file: retrain the model")
        return cls(vectorizer, sparse.csr_matrix(matrix), threshold)
