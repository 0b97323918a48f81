"""Full-text search over ``documents``: tokeniser, sharded inverted index, query."""
