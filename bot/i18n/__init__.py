"""Translations: catalogs per language, negotiation, native names, the YAML extractor."""
