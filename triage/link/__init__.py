"""Linking mail to Odoo records: partner, documents, and a supplier delay fanned out."""
