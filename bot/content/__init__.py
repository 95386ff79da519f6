"""Reading dialogue files from disk: YAML with line numbers, schema, and building the model."""
