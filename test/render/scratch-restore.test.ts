/**
 * The scratch copy a restore drill and `restore --into` make: the tenant's fences and its
 * database's store in a namespace of its own, a one-instance Cluster restored to the point
 * asked for that never archives, valid against CloudNativePG's real CRD.
 */
import { describe, expect, test } from "vitest";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import { backupArchive, type BackupArchive } from "../../src/render/kubernetes/database.js";
import { scratchBundle, scratchNamespace, RESTORE_LABEL } from "../../src/render/kubernetes/scratch-restore.js";
import type { KubeObject } from "../../src/render/object.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile } from "../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";

function tenantBundle(tier = "small"): { bundle: Bundle; archive: BackupArchive } {
  const ctx = platform(PLATFORM_TEMPLATE);
  const [t] = fleet(ctx, [tenantFile("acme", { tier })]);
  if (!t) throw new Error("fixture did not resolve");
  return { bundle: renderBundle(ctx.config, t), archive: backupArchive(ctx.config, t) };
}

function cluster(objects: readonly KubeObject[]): { metadata: KubeObject["metadata"]; spec: Record<string, unknown> } {
  const c = objects.find((o) => o.kind === "Cluster");
  if (!c) throw new Error("no Cluster");
  return c as never;
}

describe("a scratch restore of a tenant's database", () => {
  test("keeps the tenant's fences and store in <namespace>-restore and restores one instance to the WAL position, exclusive, without archiving", async () => {
    const { bundle, archive } = tenantBundle();
    const namespace = scratchNamespace(bundle.namespace);
    expect(namespace).toBe("tenant-acme-restore");
    const copy = scratchBundle(bundle, { namespace, from: archive, target: { lsn: "0/5000060" } });
    expect(copy.namespace).toBe(namespace);
    expect(copy.app).toBeUndefined();
    expect(copy.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining(["Namespace/tenant-acme-restore", "ConfigMap/landlord-guardrails", "ResourceQuota/tenant-quota", "ObjectStore/db-backups", "Cluster/db"]),
    );
    // Nothing that serves, runs the app or is the tenant's identity comes along.
    expect(copy.objects.filter((o) => ["Deployment", "Service", "Ingress", "Certificate", "RoleBinding", "ScheduledBackup", "Pooler"].includes(o.kind))).toEqual([]);
    for (const o of copy.objects.filter((x) => x.kind !== "Namespace")) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
    const ns = copy.objects.find((o) => o.kind === "Namespace");
    expect(ns?.metadata.labels).toMatchObject({ [RESTORE_LABEL]: "true", "landlord.dev/tenant": "acme", "pod-security.kubernetes.io/enforce": "restricted" });
    const c = cluster(copy.objects);
    expect(c.spec.plugins).toBeUndefined();
    expect(c.spec.instances).toBe(1);
    expect(c.metadata.annotations).toMatchObject({ "cnpg.io/skipWalArchiving": "enabled" });
    expect(c.spec.bootstrap).toEqual({ recovery: { source: "origin", database: "app", owner: "app", recoveryTarget: { targetLSN: "0/5000060", exclusive: true } } });
    expect(c.spec.externalClusters).toEqual([{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "db-backups", serverName: "db" } } }]);
    expect(validateObjects(copy.objects, await sharedCrds())).toEqual([]);
    // The tenant's own bundle is untouched.
    expect(cluster(bundle.objects).spec.plugins).toBeDefined();
  });

  test("a time target restores to that time; the end of the archive sets no target", () => {
    const { bundle, archive } = tenantBundle();
    const at = scratchBundle(bundle, { namespace: "tenant-acme-restore", from: archive, target: { time: "2026-12-07T09:30:00Z" } });
    // PostgreSQL's own form: CloudNativePG 1.28 turns an RFC 3339 time into one PostgreSQL refuses.
    expect((cluster(at.objects).spec.bootstrap as { recovery: Record<string, unknown> }).recovery.recoveryTarget).toEqual({ targetTime: "2026-12-07 09:30:00+00" });
    const latest = scratchBundle(bundle, { namespace: "tenant-acme-restore", from: archive, target: { latest: true } });
    expect((cluster(latest.objects).spec.bootstrap as { recovery: Record<string, unknown> }).recovery.recoveryTarget).toBeUndefined();
  });

  test("a medium tenant's copy runs on its own pool, as its database does", () => {
    const { bundle, archive } = tenantBundle("medium");
    const copy = scratchBundle(bundle, { namespace: scratchNamespace(bundle.namespace), from: archive, target: { latest: true } });
    expect((cluster(copy.objects).spec.affinity as Record<string, unknown>).nodeSelector).toEqual((cluster(bundle.objects).spec.affinity as Record<string, unknown>).nodeSelector);
    expect((cluster(copy.objects).spec.affinity as { nodeSelector?: Record<string, string> }).nodeSelector).toMatchObject({ "landlord.dev/tenant": "acme" });
  });

  test("refuses the tenant's own namespace: the copy would replace the running database", () => {
    const { bundle, archive } = tenantBundle();
    expect(() => scratchBundle(bundle, { namespace: bundle.namespace, from: archive, target: { latest: true } })).toThrow(/cannot go into the tenant's own namespace tenant-acme/);
  });
});
