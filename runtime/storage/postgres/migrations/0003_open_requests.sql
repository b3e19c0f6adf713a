-- Start records of requests whose final traffic event has not arrived yet. The writer turns
-- an entry into a `gateway_lost` event when the gateway node serving it stops beating, so a
-- request cut by a killed gateway is still recorded. Rows live only while a request runs.

CREATE TABLE open_requests (
  request_id text PRIMARY KEY,
  node_id text NOT NULL,
  time bigint NOT NULL,
  record jsonb NOT NULL
);

CREATE INDEX open_requests_time ON open_requests (time);
