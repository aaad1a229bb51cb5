"""Spreadsheet rosters: read, validate every row, preview the changes, apply atomically.

``formats`` reads xlsx (through ``xlsx``) and CSV (UTF-8 with or without BOM, GB18030/GBK)
safely, on what ``sources`` knows of an upload (its limits, its zip archive, a cell's text);
the columns of each roster are declared once as django-import-export resources
(``registry.rosters.resources``, their cells in ``cells``); ``kinds`` describes each roster (its
model, key, resource and rules, as hooks); ``engine`` validates a whole file and applies
exactly what was previewed, knowing no roster in particular.
"""
