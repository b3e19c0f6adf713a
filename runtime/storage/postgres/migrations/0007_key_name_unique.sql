-- One live key per (org, name): `keyRouting` matches keys by org and name, and the check in
-- `createVirtualKey` alone lets two concurrent creates of one name both succeed. Revoked keys
-- and keys without a name stay out of the index, so a name can be reused after a revoke.
-- A database that already holds two live keys with one name stops this migration with an
-- error that lists them; revoke all but one of each group, then start the gateway again.
DO $$
DECLARE
  clashes text;
BEGIN
  SELECT string_agg(format('org %L name %L: keys %s', org, name, ids), '; ')
    INTO clashes
    FROM (
      SELECT org, name, string_agg(id, ', ' ORDER BY created_at, id) AS ids
        FROM virtual_keys
       WHERE revoked_at IS NULL AND name IS NOT NULL
       GROUP BY org, name
      HAVING count(*) > 1
    ) AS duplicates;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'cannot add the unique index on live key names: several live keys share '
      'a name (%). Revoke all but one key of each name, e.g. UPDATE virtual_keys SET '
      'revoked_at = <epoch ms> WHERE id = ''<key id>'', then run the migration again', clashes
      USING ERRCODE = 'unique_violation';
  END IF;
END;
$$;

CREATE UNIQUE INDEX virtual_keys_live_name ON virtual_keys (org, name)
  WHERE revoked_at IS NULL AND name IS NOT NULL;
