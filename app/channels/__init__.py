"""Outbound delivery. Every channel takes an :class:`Outbound` and returns an id."""
