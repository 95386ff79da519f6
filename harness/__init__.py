"""Real parts to run the bot against without the internet, for tests and benches alike.

- `telegram_api`: a local Bot API server that behaves like Telegram (limits, errors, 429s);
- `synapse`: a real Synapse homeserver on 127.0.0.1, installed from `synapse.lock`;
- `matrix_resident`: a Matrix client with its own device and encryption, as a resident;
- `matrix_bot`: the Matrix bot as `vrede matrix` runs it, restartable on one data folder;
- `clock`: a clock that only moves when told to.

The bot never imports this package (tests/test_architecture.py checks it); `tests/` and
`bench/` both do, so that `bench/` needs nothing from `tests/`.
"""
