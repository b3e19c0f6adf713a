import { Type } from "@sinclair/typebox";

const ServiceUrl = (description: string) => Type.String({ minLength: 1, description });

/**
 * The production backends shared by every gateway node. Either all three of PostgreSQL, Valkey
 * and NATS are named, or none and every part stays on the embedded store. The URLs may carry
 * credentials, so they are never logged whole.
 */
export const StorageSchema = Type.Object(
  {
    postgres: Type.Optional(Type.Object(
      {
        url: ServiceUrl("postgres://user:password@host:5432/database"),
        /** Schema that contains the Nexus tables; default `public`. `nexus migrate` creates it. */
        schema: Type.Optional(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$" })),
        /** Days of traffic events kept; older daily partitions are dropped. Default 30. */
        eventRetentionDays: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    )),
    valkey: Type.Optional(Type.Object(
      {
        url: ServiceUrl("redis://host:6379"),
        /** Starts every key Nexus writes, so deployments sharing a server stay apart. */
        prefix: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    )),
    nats: Type.Optional(Type.Object(
      {
        url: ServiceUrl("nats://host:4222"),
        /** Starts every stream, consumer and subject name; letters, digits, `_` and `-`. */
        prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]+$" })),
        /**
         * Whether the gateway process also stores the bus's events in PostgreSQL; default
         * true. Writers on every node share one durable consumer, so each event is stored once.
         */
        writer: Type.Optional(Type.Boolean()),
        /**
         * Bytes of events that the node keeps on disk (in `<dataDir>/bus-spill`) when it cannot
         * publish them; past this an event is dropped, logged and counted. Default 1 GiB.
         */
        spillMaxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
