"""Metrics and statistics computed from stored trials (the numbers behind every report).

Entry point: :func:`analyse` turns the tidy trial frame of :func:`harness.load` into an
:class:`Analysis` holding every table as a DataFrame. The parts: :mod:`.metrics`
(incumbents, regret, fixed-budget results, normalised scores), :mod:`.fixed_target` (COCO
targets, runtimes, ECDFs, aRT), :mod:`.statistics` (ranks, Friedman, Nemenyi, Wilcoxon-Holm,
A12, bootstrap), :mod:`.summary` (plain-language sentences), :mod:`.tables` (LaTeX and CSV)
and :mod:`.export` (COCO and IOHprofiler text formats).
"""

from harness.analysis.pipeline import Analysis, analyse

__all__ = ["Analysis", "analyse"]
