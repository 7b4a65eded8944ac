"""MailGrams: the n-grams of `mail_ngrams`, counted with numpy instead of one string at a time."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from tests.conftest import ROOT
from triage.classify.classical import mail_ngrams
from triage.classify.grams import MailGrams
from triage.classify.training import read_csv

EDGES = [
    "",
    "\n",
    "a",
    "Hi Anna,",
    "Re: S00042\nDear Tom,\nwhere is  the\torder?\n\nKind regards,\nTom",
    "Déjà vu: ça coûte 12,50 € — où est la facture n° 7?",
    "Größe XL, Straße 5; 東京 の 注文",
    "x" * 5_000,
    "bad bytes \udcff\udc80 kept as they were decoded",
]


def _rows(matrix: sparse.csr_matrix) -> list[list[float]]:
    """Per row, its counts in order: comparable across two column orders."""
    return [sorted(matrix.getrow(i).data.tolist()) for i in range(matrix.shape[0])]


@pytest.fixture(scope="module")
def mail() -> list[str]:
    """The team-written examples: enough n-grams that buckets of the table are shared."""
    return [row.text for row in read_csv(ROOT / "data" / "team_examples.csv", "text", "intent")]


def test_the_same_ngrams_are_kept_and_counted_as_with_strings(mail: list[str]) -> None:
    grams = MailGrams(min_df=2).fit(mail)
    strings = CountVectorizer(analyzer=mail_ngrams, min_df=2).fit(mail)
    assert len(grams.keys_) == len(strings.vocabulary_)
    assert (grams.table_ == -2).any()  # some kept n-grams share a bucket: the search path runs
    texts = mail[:300] + EDGES
    assert _rows(grams.transform(texts)) == _rows(strings.transform(texts))


def test_a_text_reads_the_same_alone_and_in_a_long_batch(mail: list[str]) -> None:
    grams = MailGrams().fit(mail)
    longest = " ".join(mail)[:300_000]  # longer than one internal batch's characters
    batch = [*mail[:400], longest, *EDGES, *mail[400:600]]  # several internal batches
    together = grams.transform(batch)
    alone = sparse.vstack([grams.transform([text]) for text in batch])
    assert together.shape == (len(batch), len(grams.keys_))
    assert (together != alone).nnz == 0
    assert together.has_canonical_format


def test_unknown_and_empty_input_give_empty_rows() -> None:
    grams = MailGrams(min_df=1).fit(["where is my order"])
    assert grams.transform([]).shape == (0, len(grams.keys_))
    rows = grams.transform(["", "zzz qqq", "where is it"])
    assert rows.getrow(0).nnz == rows.getrow(1).nnz == 0
    assert rows.getrow(2).nnz > 0
    nothing = MailGrams(min_df=5).fit(["one text"])
    assert nothing.transform(["one text"]).shape == (1, 0)


def test_counts_repeat_as_the_text_does() -> None:
    grams = MailGrams(min_df=1).fit(["order order order"])
    values, times = np.unique(grams.transform(["order order"]).data, return_counts=True)
    counts = dict(zip(values.tolist(), times.tolist(), strict=True))
    # "order" twice, the bigram "order order" once; every in-word character n-gram twice.
    assert counts == {1.0: 1, 2.0: len(grams.keys_) - 1}
