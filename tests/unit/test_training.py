"""Training choices: source weights and thresholds from out-of-fold answers."""

from __future__ import annotations

import random

import numpy as np

from triage.classify.training import (
    BITEXT,
    TEAM,
    WRITTEN_WEIGHT,
    Example,
    fit_pipeline,
    out_of_fold,
    sample_weights,
    train,
)

ORDERS = [
    Example(f"where is order S0004{i}, when will it ship?", "order_status", TEAM) for i in range(10)
]
CANCELS = [Example(f"please cancel order S0005{i} today", "order_cancel", TEAM) for i in range(10)]


def _noise(n: int, seed: int = 3) -> list[Example]:
    """Written rows of made-up words with random labels: only memory can get them right."""
    rng = random.Random(seed)
    letters = "bcdfghjklmnpqrstvwxz"
    return [
        Example(
            " ".join("".join(rng.choices(letters, k=7)) for _ in range(4)),
            rng.choice(["order_status", "order_cancel"]),
            TEAM,
        )
        for _ in range(n)
    ]


def test_written_mail_weighs_more_than_a_bitext_line() -> None:
    rows = [Example("hi", "other", BITEXT), Example("hello", "other", TEAM)]
    assert sample_weights(rows).tolist() == [1.0, WRITTEN_WEIGHT]
    assert WRITTEN_WEIGHT > 1


def test_out_of_fold_answers_come_from_models_that_did_not_see_the_row() -> None:
    rows = _noise(80)
    truth = np.asarray([e.label for e in rows])
    fitted = fit_pipeline(rows, seed=13)
    assert np.mean(fitted.predict([e.text for e in rows]) == truth) > 0.95  # it memorises
    held, predicted, _ = out_of_fold(rows, seed=13)
    assert held == rows
    assert np.mean(np.asarray(predicted) == truth) < 0.75  # out of fold it cannot


def test_out_of_fold_holds_out_written_rows_only() -> None:
    bitext = [Example(f"track my parcel {i}", "order_status", BITEXT) for i in range(30)]
    rare = [Example("change the address on S00077", "order_change", TEAM)]
    held, predicted, confidence = out_of_fold(bitext + ORDERS + CANCELS + rare, seed=13)
    assert held == ORDERS + CANCELS  # Bitext and the intent with too few rows stay in training
    assert len(predicted) == len(confidence) == len(held)
    assert all(0.0 < c <= 1.0 for c in confidence)


def test_thresholds_fall_back_to_validation_without_written_rows() -> None:
    bitext = [Example(f"where is order {i} now", "order_status", BITEXT) for i in range(40)]
    bitext += [Example(f"cancel the order {i} please", "order_cancel", BITEXT) for i in range(40)]
    messages: list[str] = []
    result = train(bitext, progress=messages.append)
    assert any("validation examples" in m for m in messages)
    assert set(result.model.metadata.thresholds) == {"order_status", "order_cancel"}


def test_thresholds_come_from_out_of_fold_written_rows() -> None:
    messages: list[str] = []
    result = train(ORDERS + CANCELS + _noise(10), progress=messages.append)
    assert any("out-of-fold written examples" in m for m in messages)
    assert set(result.model.metadata.thresholds) <= {"order_status", "order_cancel"}
