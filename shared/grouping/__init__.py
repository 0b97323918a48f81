"""Document groups (``documentGroups``): keys, ids, membership and aggregation. Pure."""
