"""A corpus of realistic model replies with edit blocks, and the outcome each must have."""
