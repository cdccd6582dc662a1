"""The ONE⚡CASH core: orders, payments, webhooks, and the HTTP API that serves them.

Boundary: this package never imports the Workers runtime (`js`, `pyodide`, `workers`) and does no
I/O of its own. It talks to the world only through what it is handed (`ports.Deps`): a D1-shaped
database, a KV namespace, one async `send` for outbound HTTP, a clock, a sleep, and a source of
random ids. `src/entry.py` hands it the edge's bindings; the local host (`devhost/`) and the tests
hand it local implementations of the same interfaces. It must import cleanly on Pyodide: no
threads, sockets, sqlite3 or subprocesses, and nothing that reads the clock, randomness or
environment at import.

    api/         HTTP: routes → thin handlers → use cases; errors rendered once (`api.app`)
    usecases/    create, read, change orders; payments; webhook delivery; catalogue and quotes
    domain/      the rules as data and pure functions: lifecycle, order, money, settlement,
                 addresses (checksums), …
    processors/  NOWPayments and the sandbox behind one interface; the email providers
    storage/     every SQL statement, one store per table family
    ports.py     the shapes of what the host hands in, and `Deps` that carries them
    config.py    settings from the environment; errors.py the one error tree
"""
