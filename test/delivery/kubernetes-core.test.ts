/** The pure parts of the Kubernetes delivery: drift, order, readiness, backoff, kubeconfig rules. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { backoff } from "../../src/delivery/kubernetes/client.js";
import { findDrift } from "../../src/delivery/kubernetes/compare.js";
import { KubeconfigError } from "../../src/delivery/kubernetes/errors.js";
import { KubeconfigResolver } from "../../src/delivery/kubernetes/kubeconfig.js";
import { objectHash, phaseOf, withHash } from "../../src/delivery/kubernetes/objects.js";
import { readinessOf } from "../../src/delivery/kubernetes/readiness.js";
import { renderBundle } from "../../src/render/bundle.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

describe("drift", () => {
  const quota = { kind: "ResourceQuota", metadata: { name: "q", labels: { a: "1" } }, spec: { hard: { "requests.cpu": "500m", "requests.memory": "1Gi", pods: "20" } } };
  it("ignores what others add and quantities rewritten to canonical form", () => {
    const live = { ...quota, metadata: { ...quota.metadata, uid: "x", labels: { a: "1", b: "2" } }, spec: { hard: { "requests.cpu": "0.5", "requests.memory": "1024Mi", pods: "20" } }, status: { used: {} } };
    expect(findDrift(quota, live)).toBeUndefined();
  });
  it("finds a changed or removed field and names its path", () => {
    expect(findDrift(quota, { ...quota, spec: { hard: { ...quota.spec.hard, pods: "500" } } })).toEqual({ path: "spec.hard.pods", want: "20", have: "500" });
    expect(findDrift(quota, { ...quota, metadata: { name: "q", labels: {} } })).toMatchObject({ path: "metadata.labels.a" });
  });
  it("compares quantities by value only under resource maps", () => {
    expect(findDrift({ data: { v: "1.0" } }, { data: { v: "1" } })).toMatchObject({ path: "data.v" });
  });
  it("compares lists item by item", () => {
    expect(findDrift({ l: [{ n: 1 }, { n: 2 }] }, { l: [{ n: 1, d: 0 }, { n: 2 }] })).toBeUndefined();
    expect(findDrift({ l: [{ n: 1 }, { n: 2 }] }, { l: [{ n: 1 }] })).toMatchObject({ path: "l" });
  });
});

describe("apply order and hashes", () => {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("acme", { tier: "large" })]);
  if (!t) throw new Error("no tenant");
  const bundle = renderBundle(ctx.config, t);
  it("puts the namespace first, fences before workloads, custom resources last", () => {
    const phases = bundle.objects.map(phaseOf);
    expect(phases[0]).toBe(0);
    const at = (kind: string) => {
      const o = bundle.objects.find((x) => x.kind === kind);
      if (!o) throw new Error(`no ${kind}`);
      return phaseOf(o);
    };
    expect(at("ResourceQuota")).toBeLessThan(at("Deployment"));
    expect(at("Deployment")).toBeLessThan(at("Cluster"));
    expect(at("Certificate")).toBe(3);
  });
  it("hashes independent of key order and records the hash as an annotation", () => {
    const o = bundle.objects.find((x) => x.kind === "ResourceQuota");
    if (!o) throw new Error("no quota");
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const shuffled = reversed(o) as typeof o;
    expect(Object.keys(shuffled)).not.toEqual(Object.keys(o));
    expect(objectHash(shuffled)).toBe(objectHash(o));
    expect(withHash(o).metadata.annotations?.["landlord.dev/applied-hash"]).toBe(objectHash(o));
  });
});

describe("readiness", () => {
  it("waits for the current generation of a Deployment to be rolled out and Available", () => {
    const base = { metadata: { generation: 2 }, spec: { replicas: 2 } };
    expect(readinessOf("Deployment", { ...base, status: { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 } })).toMatchObject({ ready: false, reason: /not observed/ });
    expect(readinessOf("Deployment", { ...base, status: { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 2 } })).toMatchObject({ ready: false });
    expect(readinessOf("Deployment", { ...base, status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [{ type: "Available", status: "True" }] } })).toEqual({ ready: true });
    expect(readinessOf("ResourceQuota", { status: {} })).toMatchObject({ ready: false });
    expect(readinessOf("ConfigMap", {})).toBeUndefined();
    expect(readinessOf("Namespace", undefined)).toEqual({ ready: false, reason: "not found" });
  });

  it("holds a Ready database whose WAL does not reach its archive plugin, and names why", () => {
    const spec = { plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true }] };
    const ready = { type: "Ready", status: "True" };
    expect(readinessOf("Cluster", { spec, status: { conditions: [ready] } })).toEqual({ ready: false, reason: "WAL archiving not started yet" });
    const failing = { type: "ContinuousArchiving", status: "False", message: "unexpected failure invoking barman-cloud-wal-archive: exit status 4" };
    expect(readinessOf("Cluster", { spec, status: { conditions: [ready, failing] } })).toEqual({ ready: false, reason: `WAL archiving failing: ${failing.message}` });
    expect(readinessOf("Cluster", { spec, status: { conditions: [ready, { type: "ContinuousArchiving", status: "True" }] } })).toEqual({ ready: true });
    // No archiver (or a disabled one): Ready is enough.
    expect(readinessOf("Cluster", { spec: { plugins: [{ ...spec.plugins[0], enabled: false }] }, status: { conditions: [ready] } })).toEqual({ ready: true });
    expect(readinessOf("Cluster", { status: { conditions: [ready] } })).toEqual({ ready: true });
  });

  it("takes a Certificate's Ready only once cert-manager has judged its current spec (a new domain is not the old certificate)", () => {
    const ready = (observedGeneration: number) => ({ type: "Ready", status: "True", observedGeneration });
    expect(readinessOf("Certificate", { metadata: { generation: 2 }, status: { conditions: [ready(1)] } })).toEqual({ ready: false, reason: "the current spec (generation 2) not judged by cert-manager yet" });
    expect(readinessOf("Certificate", { metadata: { generation: 2 }, status: { conditions: [ready(2)] } })).toEqual({ ready: true });
    expect(readinessOf("Certificate", { metadata: { generation: 1 }, status: { conditions: [{ type: "Ready", status: "False", message: "Issuing certificate as Secret does not exist" }] } })).toEqual({ ready: false, reason: "Issuing certificate as Secret does not exist" });
  });
});

describe("retries", () => {
  it("back off exponentially with jitter under a cap", () => {
    const o = { maxElapsedMs: 1000, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoff(0, o, () => 0)).toBe(50);
    expect(backoff(0, o, () => 1)).toBe(100);
    expect(backoff(3, o, () => 1)).toBe(800);
    expect(backoff(10, o, () => 1)).toBe(1000);
  });
});

describe("kubeconfig rules", () => {
  async function file(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "landlord-kc-"));
    const path = join(dir, "config");
    const cluster = { name: "c", cluster: { server: "https://127.0.0.1:1" } };
    await writeFile(path, stringify({ apiVersion: "v1", kind: "Config", clusters: [cluster], users: [{ name: "u", user: { token: "t" } }], contexts: [{ name: "aks-weu-1", context: { cluster: "c", user: "u" } }, { name: "other", context: { cluster: "c", user: "u" } }], "current-context": "other" }));
    return path;
  }
  it("takes --context first, then the landlord.yaml mapping, then the cluster's own name", async () => {
    const f = await file();
    expect(new KubeconfigResolver({ file: f, context: "other", contexts: {} }).configFor("aks-weu-1").context).toBe("other");
    expect(new KubeconfigResolver({ file: f, contexts: { "aks-x": "aks-weu-1" } }).configFor("aks-x").context).toBe("aks-weu-1");
    expect(new KubeconfigResolver({ file: f, contexts: {} }).configFor("aks-weu-1").kc.getCurrentContext()).toBe("aks-weu-1");
  });
  it("names the missing context, where it was wanted, and what to do", async () => {
    const f = await file();
    expect(() => new KubeconfigResolver({ file: f, contexts: {} }).configFor("aks-acme")).toThrow(KubeconfigError);
    expect(() => new KubeconfigResolver({ file: f, contexts: {} }).configFor("aks-acme")).toThrow(/no context 'aks-acme'.*known contexts: aks-weu-1, other.*delivery\.kubernetes\.contexts/);
    expect(() => new KubeconfigResolver({ file: "/nonexistent", contexts: {} }).configFor("x")).toThrow(/no kubeconfig found.*--kubeconfig/);
  });
});

describe("readiness of a CloudNativePG Cluster", () => {
  it("names the operator's phase while it is not Ready, not only the condition's generic message", () => {
    const live = { metadata: { name: "db" }, status: { phase: "Setting up primary", phaseReason: "Creating primary instance db-1", conditions: [{ type: "Ready", status: "False", message: "Cluster Is Not Ready" }] } };
    expect(readinessOf("Cluster", live)).toEqual({ ready: false, reason: "Setting up primary: Creating primary instance db-1" });
    expect(readinessOf("Cluster", { metadata: { name: "db" }, status: { conditions: [{ type: "Ready", status: "False", message: "Cluster Is Not Ready" }] } })).toEqual({ ready: false, reason: "Cluster Is Not Ready" });
    expect(readinessOf("Cluster", { metadata: { name: "db" }, status: { phase: "Cluster in healthy state", conditions: [{ type: "Ready", status: "True" }] } })).toEqual({ ready: true });
  });
});
