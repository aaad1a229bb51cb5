"""Spreadsheet rosters: read, validate every row, preview the changes, apply atomically.

``formats`` reads xlsx and CSV (UTF-8 with or without BOM, GB18030/GBK) safely;
``kinds`` describes each roster (Chinese headers, English aliases, how a row maps to a
model); ``engine`` validates a whole file and applies exactly what was previewed.
"""
