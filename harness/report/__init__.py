"""`harness report`: one self-contained HTML evidence page from the harness's JSON reports."""
