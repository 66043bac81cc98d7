"""Capability profiles, the tier rubric and the gap to the next tier."""
