"""Metrics and threshold choice on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from triage.classify.evaluation import choose_thresholds, evaluate, expected_calibration_error


def test_threshold_is_the_deepest_cut_that_meets_the_target() -> None:
    truth = ["a", "a", "b", "a", "a"]
    pred = ["a", "a", "a", "a", "a"]
    conf = [0.99, 0.95, 0.90, 0.80, 0.70]
    # Precision of the top 1, 2: 1.0; top 3: 0.67; top 4: 0.75; top 5: 0.8.
    assert choose_thresholds(truth, pred, conf, target=0.97) == {"a": 0.95}
    assert choose_thresholds(truth, pred, conf, target=0.75) == {"a": 0.70}


def test_intent_that_never_reaches_the_target_is_never_routed() -> None:
    assert choose_thresholds(["b"], ["a"], [0.99], target=0.9) == {"a": 1.0}


def test_report_counts_coverage_with_the_thresholds() -> None:
    report = evaluate(
        ["a", "b", "b", "a"], ["a", "b", "a", "a"], [0.9, 0.8, 0.6, 0.4], {"a": 0.5, "b": 0.7}, 0.97
    )
    assert report.n == 4
    assert report.accuracy == pytest.approx(0.75)
    assert report.coverage == pytest.approx(0.75)  # 0.4 for "a" falls below 0.5
    assert report.precision_at_coverage == pytest.approx(2 / 3)
    assert report.per_intent["b"].recall == pytest.approx(0.5)
    assert report.confusion == [[2, 0], [1, 1]]


def test_calibration_error_is_zero_when_confidence_matches_accuracy() -> None:
    correct = np.array([True, False, True, False])
    assert expected_calibration_error(correct, np.full(4, 0.5)) == pytest.approx(0.0)
    assert expected_calibration_error(np.array([True, True]), np.full(2, 0.6)) == pytest.approx(0.4)


def test_macro_f1_averages_only_the_labels_present_in_the_truth() -> None:
    # "c" is predicted once but never true: it has no F1 to earn and must not pull the mean
    # down (the old average over truth and predictions gave (1 + 2/3 + 0) / 3).
    report = evaluate(["a", "a", "b", "b"], ["a", "a", "b", "c"], [0.9] * 4, {}, 0.97)
    assert report.macro_f1 == pytest.approx((1.0 + 2 / 3) / 2)
    assert "c" in report.per_intent  # still shown, with its precision


def test_abstention_on_unfamiliar_texts_is_reported_when_asked() -> None:
    truth, pred = ["a", "b", "b", "a"], ["a", "b", "a", "a"]
    conf, thresholds = [0.9, 0.8, 0.6, 0.4], {"a": 0.5, "b": 0.7}
    plain = evaluate(truth, pred, conf, thresholds, 0.97)
    assert plain.unfamiliar_share is None and plain.coverage_familiar is None
    report = evaluate(truth, pred, conf, thresholds, 0.97, familiar=[True, True, False, True])
    assert report.unfamiliar_share == pytest.approx(0.25)
    assert report.coverage_familiar == pytest.approx(0.5)  # the wrong "a" at 0.6 abstains
    assert report.precision_familiar == pytest.approx(1.0)
    assert report.coverage == plain.coverage


def test_an_intent_with_few_answers_takes_the_threshold_of_all_answers() -> None:
    truth = ["a"] * 6 + ["c"] + ["a"]
    pred = ["a"] * 6 + ["b", "b"]
    conf = [0.99, 0.95, 0.90, 0.85, 0.80, 0.75, 0.97, 0.60]
    # "b" has two answers, one of them wrong at 0.97: alone it would never be routed.
    assert choose_thresholds(truth, pred, conf, target=0.97)["b"] == 1.0
    pooled = choose_thresholds(truth, pred, conf, target=0.8, min_support=3)
    # All answers together: top 7 hold one error (6/7 = 0.857), all 8 two (0.75).
    assert pooled == {"a": 0.75, "b": 0.75}
    assert choose_thresholds(truth, pred, conf, target=0.8, min_support=2)["b"] == 1.0
