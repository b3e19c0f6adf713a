-- The part of a captured body past capture.maxInlineBytes, kept in PostgreSQL so that every
-- node and CLI can read it (the embedded store keeps it in spill files instead). The gateway
-- that captures a body writes it here directly, in chunks as it streams, because a traffic
-- event travels through NATS, whose messages are at most 1 MiB. The event's body_capture
-- names the spill; its chunks, in seq order, are the body's bytes after the inline part.

CREATE TABLE capture_spill_chunks (
  spill text NOT NULL,
  seq integer NOT NULL,
  request_id text NOT NULL,
  -- Epoch milliseconds when the chunk was written; retention deletes orphans by it.
  time bigint NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (spill, seq)
);
CREATE INDEX capture_spill_chunks_request ON capture_spill_chunks (request_id);
CREATE INDEX capture_spill_chunks_time ON capture_spill_chunks (time);
