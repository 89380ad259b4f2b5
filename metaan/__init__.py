"""metaan: random-effects meta-analysis that agrees with metafor, and the ALS cell-therapy evidence compendium."""

from .errors import DataError, InputError, MetaanWarning
from .models import MetaBatch, MetaResult, pool, pool_many

__all__ = ["DataError", "InputError", "MetaanWarning", "MetaBatch", "MetaResult", "pool", "pool_many"]
__version__ = "0.1.0"
