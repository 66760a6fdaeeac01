"""The recall benchmark, run by ``rapport bench recall`` (see docs/benchmarks.md).

``dataset`` reads the data set and scores rankings, ``runner`` feeds it through
Rapport's own ingest and recall (and a plain ``bm25`` baseline), ``scale``
times recall over one customer's very long history.
"""
