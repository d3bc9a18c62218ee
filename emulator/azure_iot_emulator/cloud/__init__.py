"""ARM's cloud metadata (``/metadata/endpoints``): where this cloud's ARM and login are."""
