"""The scheduler: runs crawls as child processes, works out what changed, and tells people."""
