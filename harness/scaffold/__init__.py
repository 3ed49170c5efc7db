"""`harness new` and `harness update`: Copier with the right source, ref and checks."""
