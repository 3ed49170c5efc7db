"""`harness eval`: run a project's dataset through its target, score it, gate CI on regressions.

See README.md beside this file for usage, configuration keys, exit codes and the report schema.
"""
