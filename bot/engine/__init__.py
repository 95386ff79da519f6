"""The pure conversation engine: no I/O, no asyncio, no clock reads, no transport imports."""
