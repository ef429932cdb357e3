"""Search: the index, lexical and dense retrieval, fusion and re-ranking. Never imports answer code."""
