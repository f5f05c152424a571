"""The observatory (投融资观察) of the sector's capital: deals, investors, listings and the
yearly indicators.

Pure modules: ``normalise`` (amounts, rounds, dates; rules are data under ``rules/``, documented in
docs/observatory-normalisation.md), ``resolution`` (entity resolution and duplicate events),
``synthetic`` (a labelled synthetic generator of name variants). With the database: ``models``,
``importing`` (deal imports), ``indicators`` (SQL aggregations, docs/observatory-indicators.md),
``reconciliation`` (against the report's figures), ``service``, ``api`` and ``cli``.
"""
