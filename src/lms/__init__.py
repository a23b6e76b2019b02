"""Volunteer training and certification LMS."""

__version__ = "0.1.0"
