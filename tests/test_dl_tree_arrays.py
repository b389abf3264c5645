"""problems.dl.tree_arrays: fitted trees walked as numpy arrays predict what scikit-learn predicts."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor

from problems.dl.tree_arrays import TreeArrays


def _data():
    rng = np.random.default_rng(0)
    X = rng.random((300, 6))
    Y = np.column_stack([3 * X[:, 0] + np.sin(6 * X[:, 1]), X[:, 2] ** 2 - X[:, 3]])
    return X, Y, rng.random((500, 6))


def test_forests_with_several_outputs_predict_exactly_as_scikit_learn():
    X, Y, rows = _data()
    for forest in (ExtraTreesRegressor(16, min_samples_leaf=2, random_state=0),
                   RandomForestRegressor(16, random_state=0)):
        forest.fit(X, Y)
        arrays = TreeArrays(forest.estimators_, 1 / len(forest.estimators_))
        assert np.allclose(arrays.predict(rows), forest.predict(rows), rtol=0, atol=1e-12)
        assert np.allclose(arrays.predict(rows[:1]), forest.predict(rows[:1]), rtol=0, atol=1e-12)


def test_a_boosted_ensemble_is_its_initial_prediction_plus_the_weighted_trees():
    X, Y, rows = _data()
    booster = GradientBoostingRegressor(n_estimators=40, learning_rate=0.1, max_depth=3, random_state=0).fit(X, Y[:, 0])
    arrays = TreeArrays(booster.estimators_[:, 0], booster.learning_rate, booster.init_.predict(X[:1]))
    assert np.allclose(arrays.predict(rows)[:, 0], booster.predict(rows), rtol=0, atol=1e-12)


def test_a_row_on_a_threshold_goes_left_as_in_scikit_learn():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 10.0, 10.0])
    forest = RandomForestRegressor(1, bootstrap=False, random_state=0).fit(X, y)
    threshold = forest.estimators_[0].tree_.threshold[0]
    arrays = TreeArrays(forest.estimators_, 1.0)
    assert arrays.predict(np.array([[threshold]]))[0, 0] == forest.predict(np.array([[threshold]]))[0] == 0.0
