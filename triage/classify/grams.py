"""Word and character n-gram counts of many texts at once, computed with numpy.

The classical model reads word 1-2-grams and in-word character 2-4-grams. Built one Python
string at a time (a vectorizer with an analyzer), a 1,000-character mail makes about 2,200
strings and as many dictionary look-ups: most of the model's time on real mail. Here each text
is normalised once in Python, then every n-gram of the batch is a 64-bit polynomial hash of a
slice of one code-point array (prefix sums make any slice's hash one multiplication), and the
vocabulary is an array of hashes found through a table of buckets. The n-grams are the ones
scikit-learn's `word` and `char_wb` analyzers produce (tests/unit/test_grams.py compares them
with `mail_ngrams`); only their names are hashes, so two different n-grams share a column only
if their 64-bit hashes collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import strip_accents_unicode

from triage.classify.framing import strip_framing

# The texts hashed together, and their characters (a longer text is a batch of its own):
# bounds the memory of one batch, about 50 bytes a character.
_BATCH_TEXTS = 128
_BATCH_CHARS = 2**18
# Counting cells with `bincount` when it needs at most this many times as many cells as
# there are n-grams, and at most _MAX_CELLS (64 MB).
_DENSE = 16
_MAX_CELLS = 2**23
_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_INVERSE = pow(_BASE, -1, 2**64)
# Mixed into the hash of each kind, so the word "ab" and the character bigram "ab" differ.
_WORD_SALT = np.uint64(0x27D4EB2F165667C5)
_CHAR_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_SPACE = 32
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# Buckets per kept n-gram (rounded up to a power of two): few buckets hold two n-grams.
_TABLE_SPARSITY = 8
_SHARED = -2
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_CHAR_ORDERS = (2, 3, 4)


class MailGrams(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Counts of word 1-2-grams and in-word character 2-4-grams seen in `min_df` texts.

    The greeting and sign-off are left out first (`strip_framing`), in training and in use.
    The kept n-gram hashes (`keys_`, sorted) are found through a table of buckets
    (`table_`), so finding a column costs a few array look-ups, not a search."""

    def __init__(self, min_df: int = 2) -> None:
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: object = None) -> MailGrams:
        """Keep the n-grams found in at least `min_df` of the texts."""
        per_text = [_distinct_per_text(docs, keys) for _, _, docs, keys in gram_hashes(texts)]
        every = np.concatenate([np.zeros(0, np.uint64), *per_text])
        distinct, df = np.unique(every, return_counts=True)
        self.keys_ = distinct[df >= self.min_df]
        bits = max(10, int(np.ceil(np.log2(max(1, len(self.keys_)) * _TABLE_SPARSITY))))
        buckets = _bucket(self.keys_, bits)
        table = np.full(2**bits, -1, dtype=np.int32)
        table[buckets] = np.arange(len(self.keys_), dtype=np.int32)
        table[np.bincount(buckets, minlength=2**bits) > 1] = _SHARED
        self.table_ = table
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One row of n-gram counts per text, one column per kept n-gram."""
        width = len(self.keys_)
        counts, columns, lengths = [np.zeros(0)], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for first, stop, docs, keys in gram_hashes(texts):
            at = self._columns(keys)
            known = at >= 0
            rows = stop - first
            # One number per (text, column), in order, counted: the CSR rows of this batch.
            cells, n = _counted((docs[known] - first) * width + at[known], rows * width)
            counts.append(n.astype(np.float64))
            columns.append(cells % width)
            lengths.append(np.bincount(cells // width, minlength=rows))
        indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))])
        shape = (len(texts), width)
        return sparse.csr_matrix((np.concatenate(counts), np.concatenate(columns), indptr), shape)

    def _columns(self, keys: np.ndarray) -> np.ndarray:
        """Each key's column (its place in the sorted `keys_`), -1 for a key not kept.

        `table_` gives, per bucket, the column of the one kept key in it, -1 for none, or
        `_SHARED` when several share it (a few percent): those are searched for."""
        if not len(self.keys_):
            return np.full(len(keys), -1, dtype=np.int64)
        column = self.table_[_bucket(keys, int(np.log2(len(self.table_))))].astype(np.int64)
        same = self.keys_[np.maximum(column, 0)] == keys
        at = np.where(same & (column >= 0), column, -1)
        shared = np.flatnonzero(column == _SHARED)
        found = np.minimum(np.searchsorted(self.keys_, keys[shared]), len(self.keys_) - 1)
        at[shared] = np.where(self.keys_[found] == keys[shared], found, -1)
        return at


def gram_hashes(texts: Sequence[str]) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Per batch of texts: where it starts and stops and, for every n-gram, its text's index
    and its hash."""
    start = 0
    while start < len(texts):
        stop, chars = start, 0
        while stop < len(texts) and stop - start < _BATCH_TEXTS and chars < _BATCH_CHARS:
            chars += len(texts[stop])
            stop += 1
        yield (start, stop, *_batch_hashes(texts[start:stop], start))
        start = stop


def _counted(cells: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct cells (all below `size`) in order, and how often each occurs.

    Counting into an array of `size` costs about a nanosecond a cell, sorting tens of
    nanoseconds a value: long texts are counted, a few short ones sorted."""
    if len(cells) * _DENSE >= size and size <= _MAX_CELLS:
        counts = np.bincount(cells, minlength=size)
        filled = np.flatnonzero(counts)
        return filled, counts[filled]
    distinct, counts = np.unique(cells, return_counts=True)
    return distinct, counts


def _distinct_per_text(docs: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The keys with repeats inside one text removed (for document frequencies)."""
    order = np.lexsort((docs, keys))
    docs, keys = docs[order], keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
    return keys[first]


def _bucket(keys: np.ndarray, bits: int) -> np.ndarray:
    """Fibonacci hashing: the top `bits` of key * 2**64 / golden ratio."""
    return np.asarray((keys * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)


def _batch_hashes(texts: Sequence[str], offset: int) -> tuple[np.ndarray, np.ndarray]:
    stripped = [strip_framing(text).lower() for text in texts]
    words = [" " + " ".join(_TOKEN.findall(strip_accents_unicode(t))) for t in stripped]
    chars = [" " + " ".join(split) + " " if (split := t.split()) else "" for t in stripped]
    word_docs, word_keys = _word_grams(words)
    char_docs, char_keys = _char_grams(chars)
    return (
        np.concatenate([word_docs, char_docs]) + offset,
        np.concatenate([word_keys ^ _WORD_SALT, char_keys ^ _CHAR_SALT]),
    )


def _char_grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Character n-grams of space-padded words: no space inside, one at either end allowed.

    Each text is " word word ", so where two texts meet there are two spaces in a row,
    which no kept n-gram holds: no n-gram spans two texts."""
    codes, doc_of = _codes(texts)
    hashes = _Hashes(codes)
    space = codes == _SPACE
    spaces = np.concatenate([[0], np.cumsum(space)])
    docs, keys = [], []
    for n in _CHAR_ORDERS:
        count = max(0, len(codes) - n + 1)
        if n > 2:  # spaces strictly inside the n-gram
            keep = spaces[n - 1 : n - 1 + count] == spaces[1 : 1 + count]
        else:
            keep = ~(space[:count] & space[1 : 1 + count])
        start = np.flatnonzero(keep)
        docs.append(doc_of[start])
        keys.append(hashes.of_length(n)[start])
    return np.concatenate(docs), np.concatenate(keys)


def _word_grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word unigrams and bigrams of texts whose words are separated by single spaces."""
    codes, doc_of = _codes(texts)
    hashes = _Hashes(codes)
    word = np.concatenate([[False], codes != _SPACE, [False]]).astype(np.int8)
    edges = np.diff(word)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    docs, keys = [doc_of[starts]], [hashes.of(starts, ends)]
    if len(starts) > 1:
        pair = doc_of[starts[:-1]] == doc_of[starts[1:]]
        docs.append(doc_of[starts[:-1][pair]])
        keys.append(hashes.of(starts[:-1][pair], ends[1:][pair]))
    return np.concatenate(docs), np.concatenate(keys)


def _codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of the texts one after another, and each one's text index."""
    joined = "".join(texts)
    # "surrogatepass": text decoded with surrogateescape keeps its lone surrogates.
    encoded = joined.encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(encoded, dtype=np.uint32).astype(np.uint64)
    doc_of = np.repeat(np.arange(len(texts)), [len(t) for t in texts])
    return codes, doc_of


class _Hashes:
    """Polynomial hashes of any slice of a code array, modulo 2**64, in O(1) per slice."""

    def __init__(self, codes: np.ndarray) -> None:
        length = len(codes) + 1
        self.powers = np.cumprod(np.full(length, _BASE, dtype=np.uint64)) * np.uint64(_INVERSE)
        inverses = np.cumprod(np.full(length, _INVERSE, dtype=np.uint64)) * np.uint64(_BASE)
        self.prefix = np.zeros(length, dtype=np.uint64)
        np.cumsum(codes * inverses[:-1], out=self.prefix[1:])

    def of_length(self, n: int) -> np.ndarray:
        """The hash of every slice of `n` codes, by where it starts."""
        count = max(0, len(self.prefix) - n)
        ends = self.prefix[n : n + count] - self.prefix[:count]
        return np.asarray(self.powers[n - 1 : n - 1 + count] * ends)

    def of(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """The hash of codes[start:end] for each pair: sum of c[j] * BASE**(end - 1 - j)."""
        return np.asarray(self.powers[end - 1] * (self.prefix[end] - self.prefix[start]))
