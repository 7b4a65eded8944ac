"""Ingest sources: files, folders, mbox and Maildir (IMAP comes later)."""
