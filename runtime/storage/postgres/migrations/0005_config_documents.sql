-- Gateway configs pushed with `nexus config push`, one row per push, never updated or deleted.
-- Every node runs the newest row (highest id), so the table is also the history of changes.

CREATE TABLE config_documents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256 text NOT NULL,
  body text NOT NULL,
  pushed_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL
);
