"""Payable certificates (云证): issue, split, transfer, finance and settle fen ranges with lineage."""
