"""Credit scoring for supply-chain finance: the scorecard method and its compiled points table.

`scorecard` trains (optimal binning, WOE, logistic regression, points scaling, PSI), `points`
holds the plain `PointsTable` production scores with, `validation` cross-validates the method.
See docs/credit-scorecard.md.
"""
