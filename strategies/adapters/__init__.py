"""Adapters that run established HPO libraries behind the harness's Strategy contract.

hyperopt (``tpe``, ``hyperopt-random``, ``hyperopt-anneal``), SMAC3 (``smac``,
``smac-hyperband``), DEHB (``dehb``), Nevergrad (``nevergrad*``), Optuna (``optuna`` and
``optuna-<sampler>``) and Ray Tune (``ray-basic``, ``ray-hyperopt``, ``ray-asha``,
``ray-hyperband``). Each library's space translation lives in one private module
(``_hyperopt_space``, ``_optuna_space``, ``_ray_space``); the libraries themselves are
imported lazily, so listing strategies never pays for importing Ray or Optuna.
"""
