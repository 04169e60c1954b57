/** The app's database connection goes where the database is served: the pooler when the tier runs one (issue 22, defect 7). */
import { describe, expect, it } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
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

describe("the database's HTTPS egress", () => {
  it("opens Entra ID's sign-in ranges beside the API server and backup storage, so the workload identity token exchange works (issue 22, defect 2)", () => {
    const text = PLATFORM_TEMPLATE.replace("    storageAccountPrefix: llbk\n", "    storageAccountPrefix: llbk\n    backupStorageCidrs: [10.20.0.0/27]\n    entraIdCidrs: [20.190.128.0/18, 40.126.0.0/18]\n");
    const p = platform(text);
    const [t] = fleet(p, [tenantFile("acme")]);
    if (t === undefined) throw new Error("fixture");
    const egress = renderBundle(p.config, t).objects.find((o) => o.metadata.name === "allow-database-https-egress") as unknown as { spec: { egress: { to: { ipBlock: { cidr: string } }[] }[] } };
    expect(egress.spec.egress[0]?.to.map((x) => x.ipBlock.cidr)).toEqual(["10.20.0.0/27", "20.190.128.0/18", "40.126.0.0/18"]);
    // Without any range nothing is opened (fail closed), and validate warns for each missing list.
    expect(renderBundle(ctx.config, render0()).objects.some((o) => o.metadata.name === "allow-database-https-egress")).toBe(false);
  });
});

function render0() {
  const [t] = fleet(ctx, [tenantFile("acme")]);
  if (t === undefined) throw new Error("fixture");
  return t;
}
