"""Session stores: the port, a memory and a SQLite implementation, and conversation keys."""
