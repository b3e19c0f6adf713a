import { Type } from "@sinclair/typebox";

const ServiceUrl = (description: string) => Type.String({ minLength: 1, description });

/**
 * The production backends shared by every gateway node. A section that is absent leaves that
 * part on the embedded store; the URLs may carry credentials, so they are never logged whole.
 */
export const StorageSchema = Type.Object(
  {
    postgres: Type.Optional(Type.Object(
      {
        url: ServiceUrl("postgres://user:password@host:5432/database"),
        /** Days of traffic events kept; older daily partitions are dropped. Default 30. */
        eventRetentionDays: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    )),
    valkey: Type.Optional(Type.Object(
      { url: ServiceUrl("redis://host:6379") },
      { additionalProperties: false },
    )),
    nats: Type.Optional(Type.Object(
      { url: ServiceUrl("nats://host:4222") },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
