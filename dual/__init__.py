"""The dual-number twin of `reference/` (under construction)."""
