"""Supplier documents checked against the purchase order: products resolved, lines compared."""
