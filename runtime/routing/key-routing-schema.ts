import { type Static, Type } from "@sinclair/typebox";
import { RouteTargetSchema, RoutingSchema } from "./config-schema.ts";

/**
 * One per-key routing override: requests from the named keys for the matching models use this
 * routing, and these targets when given, in place of the model's own. The first entry whose
 * keys, org and models all match a request applies.
 */
export const KeyRouteSchema = Type.Object(
  {
    /**
     * Virtual keys by id (`key_...`) or by name. Names are unique only within an org, so an
     * entry that names a key by name must set `org` (checked at load).
     */
    keys: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** The org whose keys this entry matches; keys of other orgs never match it. */
    org: Type.Optional(Type.String({ minLength: 1 })),
    /** Globs over configured model names (`*` any run of characters, `?` one). */
    models: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Targets that replace the model's own; the model's targets when absent. */
    targets: Type.Optional(Type.Array(RouteTargetSchema, { minItems: 1 })),
    routing: RoutingSchema,
  },
  { additionalProperties: false },
);

export const KeyRoutingSchema = Type.Array(KeyRouteSchema);

export type KeyRouteConfig = Static<typeof KeyRouteSchema>;
