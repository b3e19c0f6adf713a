-- Traffic events, partitioned by the UTC day of their time so that retention drops whole
-- partitions instead of deleting rows. A partition's primary key must contain the partition
-- key, so it cannot make request ids unique across days; traffic_event_ids does that, and
-- every write inserts there first, in the same transaction.

CREATE TABLE traffic_events (
  request_id text NOT NULL,
  day date NOT NULL,
  time bigint NOT NULL,
  client_request_id text,
  key_id text,
  org text,
  project text,
  route text NOT NULL,
  provider text,
  model text,
  upstream_model text,
  stream boolean NOT NULL,
  status integer NOT NULL,
  error_code text,
  latency_ms double precision NOT NULL,
  ttft_ms double precision,
  input_tokens integer,
  output_tokens integer,
  cached_tokens integer,
  cache_write_tokens integer,
  reasoning_tokens integer,
  cost_usd double precision,
  detail jsonb NOT NULL DEFAULT '{}',
  request_body bytea,
  response_body bytea,
  body_capture jsonb,
  bodies_kept boolean,
  PRIMARY KEY (request_id, day)
) PARTITION BY RANGE (day);
CREATE INDEX traffic_events_time ON traffic_events (time);
CREATE INDEX traffic_events_key ON traffic_events (key_id, time);
CREATE INDEX traffic_events_client_request ON traffic_events (client_request_id)
  WHERE client_request_id IS NOT NULL;
CREATE INDEX traffic_events_bodies_kept ON traffic_events (time) WHERE bodies_kept;

-- One row per stored event, kept as long as its partition: the unique request id.
CREATE TABLE traffic_event_ids (
  request_id text PRIMARY KEY,
  day date NOT NULL
);
CREATE INDEX traffic_event_ids_day ON traffic_event_ids (day);

-- Creates the daily partitions from first_day to last_day, inclusive, that do not exist yet.
-- The advisory lock keeps two nodes from creating the same partition at once, which
-- CREATE TABLE IF NOT EXISTS alone does not prevent.
CREATE FUNCTION create_traffic_event_partitions(first_day date, last_day date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  d date := first_day;
  created integer := 0;
  name text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.traffic_event_partitions'));
  WHILE d <= last_day LOOP
    name := 'traffic_events_' || to_char(d, 'YYYYMMDD');
    IF to_regclass(quote_ident(current_schema()) || '.' || name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF traffic_events FOR VALUES FROM (%L) TO (%L)',
        name, d, d + 1);
      created := created + 1;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN created;
END;
$$;

-- Drops the daily partitions whose day is before cutoff, with their request ids, and returns
-- their names. Partitions are found by their bounds, not their names.
CREATE FUNCTION drop_traffic_event_partitions(cutoff date)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  part record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.traffic_event_partitions'));
  FOR part IN
    SELECT c.relname AS name,
      (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([0-9-]+)''\)'))[1]::date
        AS upper_bound
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'traffic_events'::regclass
  LOOP
    IF part.upper_bound <= cutoff THEN
      EXECUTE format('DROP TABLE %I', part.name);
      RETURN NEXT part.name;
    END IF;
  END LOOP;
  DELETE FROM traffic_event_ids WHERE day < cutoff;
END;
$$;
