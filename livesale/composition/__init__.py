"""The composition root: every part of a process built in one place, opened in order."""
