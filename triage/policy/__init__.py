"""The versioned policy: which actions a signal and its Odoo links lead to, and who approves."""
