import { describe, expect, test } from "bun:test";
import { hashToUnit } from "../../../runtime/routing/ab-split.ts";
import { chooseTargets } from "../../../runtime/routing/choose-targets.ts";
import type { RoutingConfig } from "../../../runtime/routing/config-schema.ts";
import type { RouteFacts } from "../../../runtime/routing/route-facts.ts";
import { seededRandom } from "../../../runtime/routing/seeded-random.ts";
import { TargetStats } from "../../../runtime/routing/target-stats.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";

interface FakeTarget {
  providerId: string;
  upstreamModel: string;
  weight: number;
  region?: string;
  price?: { inputPerMTok: number; outputPerMTok: number };
}

const US = { providerId: "openai", upstreamModel: "gpt", weight: 1, region: "us" };
const EU = { providerId: "mistral", upstreamModel: "large", weight: 1, region: "eu" };
const ANY = { providerId: "anthropic", upstreamModel: "claude", weight: 1 };
const TARGETS: FakeTarget[] = [US, EU, ANY];

function facts(overrides: Partial<RouteFacts> & { headers?: Record<string, string> } = {}) {
  const headers = overrides.headers ?? {};
  return {
    header: (name: string) => headers[name] ?? null,
    body: overrides.body ?? { model: "chat", messages: [] },
    model: overrides.model ?? "chat",
    keyId: overrides.keyId ?? "key-1",
    labels: overrides.labels ?? [],
  };
}

function choose(
  routing: RoutingConfig,
  requestFacts: RouteFacts,
  options: { targets?: FakeTarget[]; stats?: TargetStats; seed?: number } = {},
) {
  return chooseTargets(routing, options.targets ?? TARGETS, {
    modelName: "chat",
    facts: requestFacts,
    stats: options.stats ?? new TargetStats(),
    random: seededRandom(options.seed ?? 1),
  });
}

const names = (targets: FakeTarget[]) => targets.map((target) => target.providerId);

describe("conditional", () => {
  const routing: RoutingConfig = {
    strategy: "conditional",
    conditional: {
      rules: [
        { when: { header: { name: "x-tier", equals: "gold" } }, targets: ["anthropic", 0] },
        { when: { metadata: { key: "team", equals: "eu" } }, targets: [1] },
        { when: { model: { in: ["fast", "cheap"] } }, targets: ["openai"] },
        { when: { field: { path: "temperature", equals: 0 } }, targets: [2] },
        {
          when: { header: { name: "x-tier", in: ["silver"] }, field: { path: "n", equals: 2 } },
          targets: [1, 2],
        },
      ],
      default: [1, 0],
    },
  };

  test("header rule picks its targets in rule order", () => {
    const choice = choose(routing, facts({ headers: { "x-tier": "gold" } }));
    expect(names(choice.targets)).toEqual(["anthropic", "openai"]);
    expect(choice.reason).toEqual({ strategy: "conditional", rule: 0 });
  });

  test("metadata rule", () => {
    const body = { model: "chat", metadata: { team: "eu" } };
    const choice = choose(routing, facts({ body }));
    expect(names(choice.targets)).toEqual(["mistral"]);
    expect(choice.reason.rule).toBe(1);
  });

  test("model rule matches the sent name", () => {
    expect(choose(routing, facts({ model: "cheap" })).reason.rule).toBe(2);
    expect(choose(routing, facts({ model: "slow" })).reason.rule).toBe("default");
  });

  test("field rule compares exactly", () => {
    expect(choose(routing, facts({ body: { temperature: 0 } })).reason.rule).toBe(3);
    expect(choose(routing, facts({ body: { temperature: "0" } })).reason.rule).toBe("default");
  });

  test("every condition of a rule must hold", () => {
    const silver = { headers: { "x-tier": "silver" } };
    expect(choose(routing, facts({ ...silver, body: { n: 2 } })).reason.rule).toBe(4);
    expect(choose(routing, facts({ ...silver, body: { n: 1 } })).reason.rule).toBe("default");
  });

  test("no match uses the default", () => {
    const choice = choose(routing, facts());
    expect(names(choice.targets)).toEqual(["mistral", "openai"]);
    expect(choice.reason).toEqual({ strategy: "conditional", rule: "default" });
  });

  test("no default means every target", () => {
    const bare: RoutingConfig = {
      strategy: "conditional",
      conditional: { rules: [{ when: { model: { equals: "x" } }, targets: [2] }] },
    };
    expect(names(choose(bare, facts()).targets)).toEqual(["openai", "mistral", "anthropic"]);
  });
});

describe("absplit", () => {
  const weighted: FakeTarget[] = [{ ...US, weight: 1 }, { ...EU, weight: 3 }];
  const byHeader: RoutingConfig = {
    strategy: "absplit",
    absplit: { key: { header: "x-user-id" } },
  };

  test("same key lands on the same target", () => {
    for (let user = 0; user < 200; user += 1) {
      const headers = { "x-user-id": `user-${user}` };
      const first = choose(byHeader, facts({ headers }), { targets: weighted, seed: 1 });
      const second = choose(byHeader, facts({ headers }), { targets: weighted, seed: 99 });
      expect(names(first.targets)).toEqual(names(second.targets));
      expect(first.reason.bucket).toBe(second.reason.bucket);
    }
  });

  test("keys spread by weight", () => {
    const counts = [0, 0];
    const keys = 10_000;
    for (let user = 0; user < keys; user += 1) {
      const headers = { "x-user-id": `user-${user}` };
      const choice = choose(byHeader, facts({ headers }), { targets: weighted });
      counts[choice.reason.bucket as number]! += 1;
    }
    // Expected shares are 25% and 75%; 10,000 keys stay within 2 points of them.
    expect(Math.abs(counts[0]! / keys - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(counts[1]! / keys - 0.75)).toBeLessThan(0.02);
  });

  test("other targets follow as fallbacks", () => {
    const choice = choose(byHeader, facts({ headers: { "x-user-id": "u" } }));
    expect(choice.targets).toHaveLength(3);
    expect(new Set(names(choice.targets)).size).toBe(3);
    expect(choice.reason.keyed).toBe(true);
  });

  test("user field and virtual key as keys", () => {
    const byUser: RoutingConfig = { strategy: "absplit", absplit: { key: "user" } };
    const byKey: RoutingConfig = { strategy: "absplit", absplit: { key: "virtualKey" } };
    const buckets = new Set<unknown>();
    for (let n = 0; n < 50; n += 1) {
      const userFacts = facts({ body: { user: `u${n}` } });
      const a = choose(byUser, userFacts, { seed: n }).reason.bucket;
      expect(choose(byUser, userFacts, { seed: n + 1 }).reason.bucket).toBe(a);
      const keyFacts = facts({ keyId: `k${n}` });
      const b = choose(byKey, keyFacts, { seed: n }).reason.bucket;
      expect(choose(byKey, keyFacts, { seed: n + 1 }).reason.bucket).toBe(b);
      buckets.add(a);
    }
    expect(buckets.size).toBe(3);
  });

  test("missing key draws at random", () => {
    const choice = choose(byHeader, facts(), { seed: 3 });
    expect(choice.reason.keyed).toBe(false);
    const seen = new Set<unknown>();
    for (let seed = 0; seed < 40; seed += 1) {
      seen.add(choose(byHeader, facts(), { seed }).reason.bucket);
    }
    expect(seen.size).toBe(3);
  });

  test("hash covers the unit range", () => {
    for (const text of ["", "a", "b", "user-1"]) {
      const value = hashToUnit(text);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    expect(hashToUnit("a")).not.toBe(hashToUnit("b"));
  });
});

describe("policy", () => {
  const routing: RoutingConfig = {
    strategy: "policy",
    policy: {
      rules: [
        { label: "confidential", regions: ["eu"] },
        { label: "internal", targets: ["anthropic", "openai"] },
      ],
      default: [0, 2],
    },
  };

  test("confidential goes only to the eu target", () => {
    const choice = choose(routing, facts({ labels: ["confidential"] }));
    expect(names(choice.targets)).toEqual(["mistral"]);
    expect(choice.reason).toEqual({ strategy: "policy", rule: 0, label: "confidential" });
  });

  test("rule by target reference", () => {
    const choice = choose(routing, facts({ labels: ["internal"] }));
    expect(names(choice.targets)).toEqual(["anthropic", "openai"]);
  });

  test("first matching rule wins", () => {
    const choice = choose(routing, facts({ labels: ["internal", "confidential"] }));
    expect(choice.reason.rule).toBe(0);
  });

  test("unlabelled request uses the default", () => {
    const choice = choose(routing, facts({ labels: ["public"] }));
    expect(names(choice.targets)).toEqual(["openai", "anthropic"]);
    expect(choice.reason.rule).toBe("default");
  });

  test("no allowed target rejects the request", () => {
    let caught: unknown = null;
    try {
      choose(routing, facts({ labels: ["confidential"] }), { targets: [US, ANY] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NexusError);
    expect((caught as NexusError).code).toBe("data_classified");
    expect((caught as NexusError).status).toBe(403);
  });
});

describe("smart", () => {
  const cheap = { ...US, price: { inputPerMTok: 0.1, outputPerMTok: 0.4 } };
  const dear = { ...EU, price: { inputPerMTok: 3, outputPerMTok: 15 } };

  function observed(samples: [FakeTarget, boolean, number][]): TargetStats {
    const stats = new TargetStats();
    for (const [target, ok, ms] of samples) {
      stats.record(target.providerId, target.upstreamModel, { ok, ms }, 0.5);
    }
    return stats;
  }

  test("faster target goes first", () => {
    const stats = observed([[US, true, 400], [EU, true, 100]]);
    const routing: RoutingConfig = { strategy: "smart", smart: { priceWeight: 0 } };
    const choice = choose(routing, facts(), { targets: [US, EU], stats });
    expect(names(choice.targets)).toEqual(["mistral", "openai"]);
    expect(choice.reason).toEqual({ strategy: "smart", scores: [1, 0.25] });
  });

  test("errors push a target back", () => {
    const stats = observed([[US, true, 100], [EU, true, 100], [US, false, 5], [US, false, 5]]);
    const routing: RoutingConfig = { strategy: "smart", smart: { priceWeight: 0 } };
    const choice = choose(routing, facts(), { targets: [US, EU], stats });
    expect(names(choice.targets)).toEqual(["mistral", "openai"]);
    expect(choice.reason.scores).toEqual([1.75, 1]);
  });

  test("price counts by its weight", () => {
    const stats = observed([[cheap, true, 200], [dear, true, 100]]);
    const byLatency: RoutingConfig = { strategy: "smart", smart: { priceWeight: 0 } };
    const byPrice: RoutingConfig = { strategy: "smart", smart: { latencyWeight: 0 } };
    const both = [cheap, dear];
    expect(names(choose(byLatency, facts(), { targets: both, stats }).targets))
      .toEqual(["mistral", "openai"]);
    expect(names(choose(byPrice, facts(), { targets: both, stats }).targets))
      .toEqual(["openai", "mistral"]);
  });

  test("unobserved target is tried first", () => {
    const stats = observed([[US, true, 100]]);
    const choice = choose({ strategy: "smart" }, facts(), { targets: [US, EU], stats });
    expect(names(choice.targets)).toEqual(["mistral", "openai"]);
  });
});

describe("target stats", () => {
  test("moving averages", () => {
    const stats = new TargetStats();
    stats.record("p", "m", { ok: true, ms: 100 }, 0.5);
    stats.record("p", "m", { ok: true, ms: 300 }, 0.5);
    stats.record("p", "m", { ok: false, ms: 9000 }, 0.5);
    expect(stats.get("p", "m")).toEqual({ latencyMs: 200, errorRate: 0.5, attempts: 3 });
    expect(stats.get("p", "other")).toBeUndefined();
  });
});

describe("older strategies", () => {
  test("reason names the strategy only", () => {
    const choice = choose({ strategy: "fallback" }, facts());
    expect(names(choice.targets)).toEqual(["openai", "mistral", "anthropic"]);
    expect(choice.reason).toEqual({ strategy: "fallback" });
  });
});
