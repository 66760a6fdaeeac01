"""The team's own docs and past answers: read (:mod:`.reader`), indexed and searched
(:mod:`.index`), and given to drafts with their sources (:mod:`.answers`)."""
