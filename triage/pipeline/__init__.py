"""The mail pipeline: one application service behind every door that brings mail in."""

from triage.pipeline.filing import FilingRules, imap_position
from triage.pipeline.service import MailPipeline
from triage.pipeline.tally import IngestTally

__all__ = ["FilingRules", "IngestTally", "MailPipeline", "imap_position"]
