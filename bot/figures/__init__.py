"""Figures for the municipality: weekly totals per region, and the report that publishes them."""
