"""The warmth suite: scripted conversations and a rubric for the offline drafter's drafts."""
