"""`harness audit`: checklists as data, pure detectors over a read-only repository index."""
