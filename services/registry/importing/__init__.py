"""Importing the four sources: read a file as people make it, check every row, merge, report.

``files`` reads the file, ``checks`` holds every row rule (as SQL), ``pipeline`` runs the
set-based load, ``problems`` names every problem in Indonesian and English, ``report`` writes it.
"""
