"""The knowledge benchmark, run by ``rapport bench knowledge``.

``run`` reads a folder of Markdown with the product's reader, indexes it with
:class:`bot.knowledge.index.KnowledgeIndex` (and a plain BM25 baseline), asks
every query of a data set and scores the rankings; ``generate`` writes the
committed data set in ``bench/data/knowledge/``.
"""
