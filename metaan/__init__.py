"""metaan: random-effects meta-analysis that agrees with metafor, and the ALS cell-therapy evidence compendium.

Layers, each importing only the ones before it (``errors`` and ``checks``, the argument checks, serve all):

- data: ``data`` (schema, loading, validation)
- effects: ``conversions``, ``medians`` → ``trial_rows`` → ``effects`` (``effect_sizes``; re-exports the
  converters), ``selection`` (``one_per_study``)
- models: ``estimators`` (tau²) → ``models`` (``pool``, ``pool_many``) → ``metareg``
- diagnostics: ``diagnostics``, ``bias``
- evidence: ``information`` → ``sequential`` → ``bayes``; ``grade``; ``evidence`` re-exports them
- plots: a package (``import metaan.plots``; not imported here, so matplotlib loads only when needed)
- ``cli``
"""

from .bias import begg, egger, trim_and_fill
from .data import load_claims, load_trials
from .diagnostics import cumulative, gosh, influence, leave_one_out, permutation_test
from .effects import effect_sizes, within_arm_changes
from .errors import DataError, InputError, MetaanWarning
from .metareg import metareg, subgroup
from .models import MetaBatch, MetaResult, pool, pool_many
from .selection import one_per_study

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
    "one_per_study",
    "permutation_test",
    "pool",
    "pool_many",
    "subgroup",
    "trim_and_fill",
    "within_arm_changes",
]
__version__ = "0.1.0"
