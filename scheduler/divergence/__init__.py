"""Cross-language divergence between the language variants of one statement (issue 9).

Pure functions: ``anchors`` (language-neutral anchors) and ``roles`` (speaker roles), ``align`` (paragraph
alignment with confidence, and the modules it runs), ``findings`` (what a finding is; those read from an
alignment), ``history`` (those read from the versions' history), ``render`` (side by side). ``evaluate``
evaluates statements and keeps the `divergences` table (store/divergences.py) in step after each run.
Nothing here imports the crawler.
"""
from scheduler.divergence.align import align
from scheduler.divergence.evaluate import evaluate_statement
from scheduler.divergence.findings import KINDS, Config, Finding, compare_pair
from scheduler.divergence.links import Alignment, Link

__all__ = ["Alignment", "Link", "align", "KINDS", "Config", "Finding", "compare_pair", "evaluate_statement"]
