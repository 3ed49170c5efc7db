"""Built-in detectors, one module per area. Each detector's docstring is its documentation."""
