-- Deployment-wide values that every node must agree on, one row per name. The first is
-- `key_secret_verifier`: an HMAC of a fixed label under the key secret (never the secret
-- itself), so a node started with a different secret fails at boot instead of rejecting keys.

CREATE TABLE settings (
  name text PRIMARY KEY,
  value text NOT NULL
);
