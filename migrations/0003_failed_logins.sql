-- Wrong operator tokens counted in D1 (they were counted in KV, read then written, so a burst of
-- parallel guesses all read the same count): the table `failed_logins`, as schema.sql defines it.
-- Applied by `make deploy` (`wrangler d1 migrations apply`), before the code that needs it
-- (docs/operations.md, "Schema changes"); schema.sql, applied after it, would make the table too.
--
-- It runs once, like every migration: its first statements record it in schema_migrations, in the
-- same transaction as the rest, so a second run is refused ("UNIQUE constraint failed:
-- schema_migrations.name") and D1 rolls it back. The counts in KV are not carried over: they
-- expire within ten minutes anyway.
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO schema_migrations (name) VALUES ('0003_failed_logins.sql');

CREATE TABLE IF NOT EXISTS failed_logins (
    client      TEXT PRIMARY KEY,
    failures    INTEGER NOT NULL CHECK (failures >= 1),
    expires_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_logins_by_expiry ON failed_logins (expires_at);
