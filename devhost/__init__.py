"""The local host: the `orders` core behind a real HTTP server on one machine, offline.

SQLite stands in for D1 (D1 is SQLite: same schema, same SQL, same result shapes), an SQLite
table with expiry for KV, aiohttp for inbound and outbound HTTP. It lives outside `src/` because
wrangler uploads everything under `src/`, and none of this belongs at the edge.
"""
