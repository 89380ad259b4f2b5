"""Is the evidence enough? Information size, TSA, power, fragility, Bayesian pooling and GRADE.

Every function here sits on top of the pooled analysis (``metaan.models``) and answers a question a reader of
a meta-analysis asks next: how many participants would settle the question (``information_size``), has the
accumulated evidence crossed a monitoring boundary (``trial_sequential``), could these trials have detected
the effect (``power``, ``pooled_power``), how many patients does a "significant" trial hinge on
(``fragility_index``), what should one believe under a stated prior (``bayes_pool``), and how certain is the
evidence (``grade_table``). Minimal clinically important differences are data: ``load_mcid`` reads
``data/mcid.csv``.

The functions live by question in :mod:`metaan.information` (information size, diversity, power, fragility),
:mod:`metaan.sequential` (group-sequential boundaries, trial sequential analysis), :mod:`metaan.bayes` (Bayesian
pooling, priors) and :mod:`metaan.grade` (GRADE table, MCIDs); this module is their public face: import them
from here.
"""

from __future__ import annotations

from .bayes import ENTHUSIASTIC, SCEPTICAL, BayesResult, bayes_pool, enthusiastic_prior, sceptical_prior
from .bayes import Interval as Interval
from .data import MCID_COLUMNS as MCID_COLUMNS
from .data import MCID_MEASURES as MCID_MEASURES
from .data import MCID_PATH as MCID_PATH
from .data import load_mcid
from .grade import CERTAINTY as CERTAINTY
from .grade import DOMAINS as DOMAINS
from .grade import absolute_mcid, grade_table
from .information import diversity, fragility_index, information_size, pooled_power, power
from .sequential import BENEFIT as BENEFIT
from .sequential import INCONCLUSIVE as INCONCLUSIVE
from .sequential import NO_BENEFIT as NO_BENEFIT
from .sequential import Boundaries, TSAResult, obf_spending, sequential_boundaries, trial_sequential
from .sequential import _sequential_probabilities as _sequential_probabilities

__all__ = [
    "information_size", "diversity", "obf_spending", "sequential_boundaries", "Boundaries",
    "trial_sequential", "TSAResult", "power", "pooled_power", "fragility_index", "bayes_pool", "BayesResult",
    "sceptical_prior", "enthusiastic_prior", "SCEPTICAL", "ENTHUSIASTIC", "grade_table", "load_mcid",
    "absolute_mcid",
]  # fmt: skip
