"""The ONE⚡CASH core: orders, payments, webhooks, and the HTTP API that serves them.

Boundary: this package never imports the Workers runtime (`js`, `pyodide`, `workers`) and does no
I/O of its own. It talks to the world only through what it is handed (see `ports`): a D1-shaped
database, a KV namespace, one async `send` for outbound HTTP, a clock, and a source of random ids.
`src/entry.py` hands it the edge's bindings; the local host (`devhost/`) and the tests hand it local
implementations of the same interfaces. It must import cleanly on Pyodide: no threads, sockets,
sqlite3 or subprocesses, and nothing that reads the clock, randomness or environment at import.
"""
