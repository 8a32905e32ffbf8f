"""The opsrca pipeline on Apache Spark: same readers, masks, templates, model and decisions.

Install with ``pip install 'opsrca[spark]'`` (PySpark 4, Java 17). Functions take and
return Spark DataFrames; the work inside each task is the single-machine code, called per
Arrow batch (``batches``), so both paths give the same ``event_id → template_id,
root_cause``. ``attach`` (no Spark needed) lets the single-machine tools read the store.
"""

from __future__ import annotations

from opsrca.spark.attach import attach

__all__ = [
    "Ingested",
    "SparkRun",
    "analyze",
    "attach",
    "classify_events",
    "read_events",
    "session",
    "write_store",
]


def __getattr__(name: str) -> object:
    """Spark functions import PySpark only when used (``attach`` works without it)."""
    if name in __all__:
        from opsrca.spark import job

        return getattr(job, name)
    raise AttributeError(name)
