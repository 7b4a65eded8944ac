"""Acting on decisions: the executors, the worker that runs the outbox, and escalation."""
