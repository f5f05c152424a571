"""Trade domain: purchase orders, deliveries, invoices and receivables with confirmation (确权)."""
