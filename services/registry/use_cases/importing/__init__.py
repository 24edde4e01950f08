"""Importing the four sources: read a file as people make it, check every row, merge, report.

``files`` reads the file; ``loading`` runs the set-based load (COPY, the row checks of
``domain.row_checks``, the merge, the events); ``batches`` imports a file and reads back an
import's batch and row report; ``child_process`` runs an import asked for over RPC in its own OS
process. Every problem is named in ``domain.import_problems``, the summary in
``domain.import_summary``.
"""
