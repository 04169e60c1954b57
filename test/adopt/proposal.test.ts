/**
 * What `landlord adopt` proposes from what it found: the tenant spec (hosts from the
 * Ingresses, the version from the app's image tag, the image repository only when it is
 * not the platform's) and the plan per part, or every problem at once, each naming the
 * flag that fixes it.
 */
import { describe, expect, test } from "vitest";
import type { ExistingSetup } from "../../src/adopt/existing-setup.js";
import { appWorkload, isPostgresImage, kubernetesPlan, proposeSpec } from "../../src/adopt/proposal.js";

const setup: ExistingSetup = {
  cluster: "aks-weu-1",
  namespace: "contoso-prod",
  workloads: [
    { kind: "Deployment", name: "web", images: ["registry.example.com/saas/app:2.4.1"], replicas: 2, readyReplicas: 2 },
    { kind: "StatefulSet", name: "db", images: ["docker.io/library/postgres:15.6"], replicas: 1, readyReplicas: 1 },
    { kind: "Deployment", name: "worker-cron", images: ["docker.io/library/postgres:15.6"], replicas: 1, readyReplicas: 1 },
  ],
  ingresses: [{ name: "web", hosts: ["shop.contoso.com", "www.contoso.com"] }],
  database: { kind: "postgres", name: "db", host: "db.contoso-prod.svc", port: 5432, database: "shop", user: "shop", passwordSecret: { name: "db-password", key: "password" } },
  cloud: [],
};
const options = { name: "contoso", tier: "small", email: "ops@contoso.com", defaultAppImage: "registry.example.com/saas/app" };

describe("the proposed tenant spec", () => {
  test("takes the hosts from the Ingresses and the version from the app's tag, pinned to the cluster it found them on", () => {
    const p = proposeSpec(setup, options);
    expect(p.problems).toEqual([]);
    expect(p.app?.name).toBe("web");
    expect(p.spec).toMatchObject({ metadata: { name: "contoso", annotations: { "landlord.dev/adopted-from": "aks-weu-1/contoso-prod" } }, spec: { tier: "small", domains: ["shop.contoso.com", "www.contoso.com"], version: "2.4.1", contacts: { email: "ops@contoso.com" } } });
    expect((p.spec.spec as Record<string, unknown>).overrides).toBeUndefined();
  });

  test("keeps another image repository as an override, and --domain replaces the Ingress hosts", () => {
    const other: ExistingSetup = { ...setup, workloads: [{ kind: "Deployment", name: "web", images: ["ghcr.io/contoso/shop:7.0.0@sha256:abc"], replicas: 1, readyReplicas: 1 }] };
    const p = proposeSpec(other, { ...options, domains: ["contoso.apps.example.com"] });
    expect(p.spec.spec).toMatchObject({ version: "7.0.0", overrides: { app: { image: "ghcr.io/contoso/shop" } }, domains: ["contoso.apps.example.com"] });
  });

  test("reports every missing piece at once, each with the flag or step that supplies it", () => {
    const bare: ExistingSetup = { cluster: "c", namespace: "n", workloads: [{ kind: "Deployment", name: "web", images: ["registry.example.com/saas/app"], replicas: 1, readyReplicas: 1 }], ingresses: [], cloud: [] };
    const p = proposeSpec(bare, { name: "n", tier: "small", defaultAppImage: "x" });
    expect(p.problems.map((x) => x.path)).toEqual(["deployment web", "--domain", "--email", "namespace n"]);
    expect(p.problems.find((x) => x.path === "namespace n")?.fix).toContain("--database-secret");
  });

  test("refuses to guess between two app Deployments, and a password that is not in a Secret", () => {
    if (setup.database === undefined) throw new Error("fixture has a database");
    const two: ExistingSetup = {
      ...setup,
      workloads: [...setup.workloads, { kind: "Deployment", name: "admin", images: ["registry.example.com/saas/admin:1.0.0"], replicas: 1, readyReplicas: 1 }],
      database: { ...setup.database, passwordSecret: { name: "", key: "password" } },
    };
    const p = proposeSpec(two, options);
    expect(p.problems.map((x) => x.message).join("\n")).toMatch(/2 Deployments besides PostgreSQL \(web, admin\)/);
    expect(p.problems.map((x) => x.fix).join("\n")).toMatch(/--database-secret NAME/);
  });

  test("recognises PostgreSQL images by repository, not by any mention", () => {
    expect(isPostgresImage("docker.io/library/postgres:15")).toBe(true);
    expect(isPostgresImage("ghcr.io/cloudnative-pg/postgresql:16.4")).toBe(true);
    expect(isPostgresImage("postgres")).toBe(true);
    expect(isPostgresImage("ghcr.io/acme/postgres-exporter:1.0")).toBe(false);
    expect(isPostgresImage("registry.example.com/saas/app:1.0.0")).toBe(false);
    expect(appWorkload(setup)?.name).toBe("web");
  });
});

describe("the plan for the cluster's parts", () => {
  test("builds beside the namespace, moves the app and the database, switches each Ingress, and leaves the rest alone", () => {
    const plan = kubernetesPlan(setup, { namespace: "tenant-contoso", cluster: "aks-weu-1" });
    expect(plan.map((p) => [p.action, p.what])).toEqual([
      ["rename", "namespace contoso-prod"],
      ["move", "deployment web"],
      ["keep", "deployment worker-cron"],
      ["move", "database db (db.contoso-prod.svc:5432/shop)"],
      ["switch", "ingress web (shop.contoso.com, www.contoso.com)"],
    ]);
    expect(plan[3]?.how).toMatch(/fingerprinted/);
  });
});
