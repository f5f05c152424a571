"""The observatory (投融资观察) of the sector's capital: normalising deal records (amount phrases,
round labels, dates) and resolving company names and duplicate events from several sources.

Pure functions, no database: ``normalise`` (amounts, rounds, dates), ``resolution`` (entity
resolution and duplicate events), ``synthetic`` (a labelled synthetic generator of name variants).
The rules are data under ``rules/``; docs/observatory-normalisation.md documents them.
"""
