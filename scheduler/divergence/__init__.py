"""Cross-language divergence between the language variants of one statement (issue 9).

Pure functions: ``anchors`` (language-neutral anchors, speaker roles), ``align`` (paragraph alignment
with confidence), ``findings`` (what diverges), ``render`` (side by side). ``store`` keeps the
`divergences` table in step after each run. Nothing here imports the crawler.
"""
from scheduler.divergence.align import align
from scheduler.divergence.findings import KINDS, Config, Finding, compare_pair, evaluate_statement
from scheduler.divergence.links import Alignment, Link

__all__ = ["Alignment", "Link", "align", "KINDS", "Config", "Finding", "compare_pair", "evaluate_statement"]
