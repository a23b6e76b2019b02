"""Practicum hours: logging, evidence, sign-off, corrections, exports."""
