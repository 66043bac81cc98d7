"""Investments applied to plants, presets, and (next) upgrade paths compared with common random numbers."""
