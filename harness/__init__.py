"""portfolio-harness: generate, audit, evaluate and badge AI portfolio projects."""

__version__ = "0.1.0"
