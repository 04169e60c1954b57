/**
 * The tenant's objects while an adoption copies its database in: the Cluster bootstrapped
 * by CloudNativePG's import from the existing PostgreSQL (valid against CloudNativePG's
 * real CRD), one egress path to that database's namespace and port for the database pods
 * only, no Ingress yet, and nothing else changed.
 */
import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { IMPORT_PASSWORD_SECRET, withImport } from "../../src/render/kubernetes/adopt-import.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile } from "../support/fixtures.js";

const source = { namespace: "contoso-prod", host: "postgres.contoso-prod.svc", port: 5433, database: "shop", user: "shop" };

function rendered() {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("contoso")]);
  if (!t) throw new Error("fixture did not resolve");
  return { t, objects: renderBundle(ctx.config, t).objects };
}

describe("the bundle while an existing database is copied in", () => {
  test("bootstraps the Cluster by a microservice import from the source, logging in with the copied password", async () => {
    const { t, objects } = rendered();
    const adopting = withImport(t, objects, source);
    const cluster = adopting.find((o) => o.kind === "Cluster");
    expect(cluster?.spec).toMatchObject({
      bootstrap: { initdb: { database: "app", owner: "app", import: { type: "microservice", databases: ["shop"], source: { externalCluster: "adopt-source" } } } },
      externalClusters: [{ name: "adopt-source", connectionParameters: { host: "postgres.contoso-prod.svc", port: "5433", user: "shop", dbname: "shop", sslmode: "prefer" }, password: { name: IMPORT_PASSWORD_SECRET, key: "password" } }],
    });
    expect(validateObjects(adopting, await sharedCrds())).toEqual([]);
  });

  test("opens egress from the database pods to the source's namespace and port only, and holds the Ingress back", () => {
    const { t, objects } = rendered();
    const adopting = withImport(t, objects, source);
    const added = adopting.filter((o) => !objects.includes(o));
    expect(added.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["NetworkPolicy/allow-adopt-source-egress", "Cluster/db"]);
    expect(added[0]?.spec).toEqual({
      podSelector: { matchLabels: { "cnpg.io/cluster": "db" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "contoso-prod" } } }], ports: [{ protocol: "TCP", port: 5433 }] }],
    });
    const removed = objects.filter((o) => !adopting.includes(o));
    expect(removed.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Cluster/db", "Ingress/app"]);
  });
});
