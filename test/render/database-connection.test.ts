/** The app's database connection goes where the database is served: the pooler when the tier runs one (issue 22, defect 7). */
import { describe, expect, it } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

interface Env {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

const ctx = platform();
function render(tier: string, overrides?: Record<string, unknown>) {
  const [t] = fleet(ctx, [tenantFile("acme", { tier, ...(overrides ? { overrides } : {}) })]);
  if (t === undefined) throw new Error("fixture");
  const objects = renderBundle(ctx.config, t).objects;
  const d = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "app") as unknown as { spec: { template: { spec: { containers: { env: Env[] }[] } } } };
  const env = d.spec.template.spec.containers[0]?.env ?? [];
  return { env, pooler: objects.find((o) => o.kind === "Pooler") };
}

describe("the app's DATABASE_URL", () => {
  it("is CloudNativePG's own URI (db-rw) without a pooler", () => {
    const { env, pooler } = render("small");
    expect(pooler).toBeUndefined();
    expect(env.find((e) => e.name === "DATABASE_URL")).toEqual({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "db-app", key: "uri" } } });
  });

  it("goes through the Pooler's Service when the tier runs one, with the credentials read from the Secret, never in clear", () => {
    for (const [tier, overrides] of [["large", undefined], ["small", { database: { pooler: { enabled: true } } }]] as const) {
      const { env, pooler } = render(tier, overrides);
      // CloudNativePG names the Pooler's Service after the Pooler.
      expect(pooler?.metadata.name, tier).toBe("db-pooler-rw");
      const byName = new Map(env.map((e) => [e.name, e]));
      expect(byName.get("DATABASE_USER")?.valueFrom?.secretKeyRef).toEqual({ name: "db-app", key: "username" });
      expect(byName.get("DATABASE_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: "db-app", key: "password" });
      expect(byName.get("DATABASE_URL")?.value).toBe("postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@db-pooler-rw:5432/app");
      // The kubelet expands $(VAR) only from variables defined earlier in the list.
      const names = env.map((e) => e.name);
      expect(names.indexOf("DATABASE_URL")).toBeGreaterThan(names.indexOf("DATABASE_PASSWORD"));
    }
  });
});
