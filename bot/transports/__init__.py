"""Transports: each maps one platform to the neutral inputs and renders the neutral replies."""
