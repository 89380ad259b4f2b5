"""metaan: random-effects meta-analysis that agrees with metafor, and the ALS cell-therapy evidence compendium.

Layers, each importing only the ones before it (``errors`` and ``checks``, the argument checks, serve all):
data → effects (``conversions``, ``medians``; ``effects`` re-exports them) → estimators → models → metareg →
diagnostics,
bias → evidence (``information`` → ``sequential`` → ``bayes``; ``grade``; ``evidence`` re-exports them) → plots
(a package: ``_style`` → ``_table`` → ``_forest``, ``_diagnostics``, ``_overview``, ``_tsa``; ``import
metaan.plots``, not imported here so that matplotlib loads only when needed) → cli.
"""

from .bias import begg, egger, trim_and_fill
from .data import load_claims, load_trials
from .diagnostics import cumulative, gosh, influence, leave_one_out, permutation_test
from .effects import effect_sizes
from .errors import DataError, InputError, MetaanWarning
from .metareg import metareg, subgroup
from .models import MetaBatch, MetaResult, pool, pool_many

__all__ = [
    "DataError",
    "InputError",
    "MetaBatch",
    "MetaResult",
    "MetaanWarning",
    "begg",
    "cumulative",
    "effect_sizes",
    "egger",
    "gosh",
    "influence",
    "leave_one_out",
    "load_claims",
    "load_trials",
    "metareg",
    "permutation_test",
    "pool",
    "pool_many",
    "subgroup",
    "trim_and_fill",
]
__version__ = "0.1.0"
