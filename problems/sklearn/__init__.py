"""Real model-tuning tasks on datasets that ship with scikit-learn.

Every module below registers its tasks when the problem registry is first used. The shared
logic (data split, CV folds, scoring, failures, reference values) lives in
:mod:`problems.sklearn.base`; the metrics in :mod:`problems.sklearn.metrics`.
"""
