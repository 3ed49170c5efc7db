"""`harness badge`: README badges and shields.io endpoint JSON from audit and eval reports.

Everything is rendered locally; nothing here touches the network.
"""
