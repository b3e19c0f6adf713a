-- Virtual keys, emergency controls and their audit log, quota alerts and reported cache
-- prompts: the tables the embedded store holds, with the same columns. Times are Unix epoch
-- milliseconds (bigint), as in the embedded store and the TypeScript types.

CREATE TABLE virtual_keys (
  id text PRIMARY KEY,
  digest text NOT NULL UNIQUE,
  prefix text NOT NULL,
  name text,
  org text NOT NULL,
  project text,
  models jsonb NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint,
  settings jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX virtual_keys_org ON virtual_keys (org);

CREATE TABLE control_switches (
  control text NOT NULL,
  tier text NOT NULL CHECK (tier IN ('global', 'org', 'key')),
  target text NOT NULL,
  reason text NOT NULL,
  actor text NOT NULL,
  engaged_at bigint NOT NULL,
  expires_at bigint,
  PRIMARY KEY (control, tier, target)
);

CREATE TABLE control_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL CHECK (action IN ('engage', 'lift')),
  control text NOT NULL,
  tier text NOT NULL,
  target text NOT NULL,
  reason text,
  expires_at bigint
);

-- The audit log is append-only: UPDATE, DELETE and TRUNCATE raise, whoever runs them.
CREATE FUNCTION control_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'control_audit is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER control_audit_no_change BEFORE UPDATE OR DELETE ON control_audit
  FOR EACH ROW EXECUTE FUNCTION control_audit_append_only();
CREATE TRIGGER control_audit_no_truncate BEFORE TRUNCATE ON control_audit
  FOR EACH STATEMENT EXECUTE FUNCTION control_audit_append_only();

-- Soft-limit alerts raised by the quota gate; the counters themselves live in Valkey.
CREATE TABLE quota_alerts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time bigint NOT NULL,
  axis text NOT NULL,
  match text NOT NULL,
  value text NOT NULL,
  "window" text NOT NULL,
  unit text NOT NULL,
  limit_amount double precision NOT NULL,
  used double precision NOT NULL
);
CREATE INDEX quota_alerts_counter ON quota_alerts (axis, value, "window", unit, time);

-- Prompts reported as bad answers, by cache scope; the chat cache never stores them again.
CREATE TABLE cache_poisoned_prompts (
  scope text NOT NULL,
  prompt_fingerprint text NOT NULL,
  reported_at bigint NOT NULL,
  PRIMARY KEY (scope, prompt_fingerprint)
);
