"""SIPMAS shared kernel: settings, database, event contracts, outbox, reference data.

Small and stable on purpose: no service logic lives here.
"""
