"""Metrics and statistics computed from stored trials (the numbers behind every report).

Entry point: :func:`analyse` turns the tidy trial frame of :func:`harness.load` into an
:class:`Analysis` holding every table as a DataFrame and every decision
(:mod:`.decisions`). The parts: :mod:`.metrics` (incumbents, regret, references, spend),
:mod:`.fixed_budget` (each run at each budget, normalised scores, AUC), :mod:`.fixed_target`
(COCO targets, runtimes, ECDFs, aRT), :mod:`.statistics` (ranks, Friedman, Wilcoxon-Holm,
A12), :mod:`.exact_tests`, :mod:`.bayes_signed_rank`, :mod:`.intervals`, :mod:`.summary`
(plain-language sentences), :mod:`.tables` (LaTeX and CSV) and :mod:`.export` (COCO and
IOHprofiler text formats).
"""

from harness.analysis.pipeline import Analysis, analyse

__all__ = ["Analysis", "analyse"]
