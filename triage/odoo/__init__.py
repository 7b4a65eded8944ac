"""Odoo: the JSON-RPC adapter (odoorpc) and, on top of it, the linker."""
