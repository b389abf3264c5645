"""Bayesmark's problem set (:mod:`problems.bayesmark.tasks`) and its search spaces
(:mod:`problems.bayesmark.spaces`)."""
