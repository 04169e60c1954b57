/**
 * The move's production database probe (docs/adr/0020, 0024): the pod it runs is one the
 * tenant's namespace admits (its pool, an allowed registry, Pod Security "restricted"), and
 * the probe creates it where the tenant is placed, reads its log and removes it.
 */
import { describe, expect, it } from "vitest";
import type { Applier } from "../../src/delivery/kubernetes/applier.js";
import type { KubeClient, KubeRequest } from "../../src/delivery/kubernetes/client.js";
import { fingerprintPod, kubernetesDatabaseProbe } from "../../src/delivery/kubernetes/database-probe-kube.js";
import { POINT_FINGERPRINT_STATEMENTS } from "../../src/delivery/kubernetes/database-probe.js";
import { FINGERPRINT_SQL } from "../../src/delivery/kubernetes/database-probe.js";
import type { KubeObject } from "../../src/render/object.js";
import { nodeSelectorAllowed, POOL_LABEL, scheduling, tolerationAllowed } from "../../src/render/kubernetes/scheduling.js";
import { allowedRegistries, imageAllowed } from "../../src/spec/registries.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const ctx = platform();
const [small, medium, large] = fleet(ctx, [tenantFile("fp-small"), tenantFile("fp-medium", { tier: "medium" }), tenantFile("fp-large", { tier: "large" })]);
if (!small || !medium || !large) throw new Error("fixtures did not resolve");

interface PodSpec {
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  securityContext: Record<string, unknown>;
  containers: { image: string; imagePullPolicy?: string; command: string[]; securityContext: Record<string, unknown>; resources: { requests: Record<string, string>; limits: Record<string, string> } }[];
  [field: string]: unknown;
}

function specOf(o: KubeObject): PodSpec {
  return o.spec as PodSpec;
}

describe("the fingerprint pod", () => {
  it("runs on a medium tenant's own node pool, with exactly the selector and toleration its namespace admits", () => {
    const pod = fingerprintPod(medium, "landlord-fingerprint-1");
    const spec = specOf(pod);
    expect(pod.metadata).toMatchObject({ name: "landlord-fingerprint-1", namespace: medium.names.namespace, labels: { [POOL_LABEL]: "fp-medium", "app.kubernetes.io/component": "fingerprint" } });
    expect(spec.nodeSelector).toEqual({ [POOL_LABEL]: "fp-medium" });
    expect(spec.tolerations).toEqual([{ key: POOL_LABEL, operator: "Equal", value: "fp-medium", effect: "NoSchedule" }]);
    expect({ nodeSelector: spec.nodeSelector, tolerations: spec.tolerations }).toEqual(scheduling(medium));
    for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) expect(nodeSelectorAllowed(k, v, "fp-medium")).toBe(true);
    for (const t of spec.tolerations ?? []) expect(tolerationAllowed(t, "fp-medium")).toBe(true);
  });

  it("hands psql each statement as written once the kubelet has expanded the command ($$ becomes $, $(VAR) a variable)", () => {
    const { command } = specOf(fingerprintPod(small, "p", POINT_FINGERPRINT_STATEMENTS)).containers[0] ?? { command: [] };
    const statements = command.filter((_, i) => command[i - 1] === "-c");
    // What the kubelet does to a container command (expansion.go): $$ -> $, and no $( left to expand.
    const expanded = statements.map((arg) => arg.replace(/\$\$/g, "$"));
    expect(expanded).toEqual(POINT_FINGERPRINT_STATEMENTS);
    for (const arg of statements) expect(arg.replace(/\$\$/g, "")).not.toContain("$");
    expect(POINT_FINGERPRINT_STATEMENTS.some((sql) => sql.includes("$$"))).toBe(true);
  });

  it("puts no pool on a tenant without one (small on the shared nodes, large on its own cluster)", () => {
    for (const t of [small, large]) {
      const spec = specOf(fingerprintPod(t, "p"));
      expect(spec).not.toHaveProperty("nodeSelector");
      expect(spec).not.toHaveProperty("tolerations");
    }
  });

  it("uses the tenant's database image, from an allowed registry, and meets Pod Security restricted", () => {
    const spec = specOf(fingerprintPod(medium, "p"));
    const [c] = spec.containers;
    expect(spec.containers).toHaveLength(1);
    expect(c?.image).toBe(medium.effective.database.imageName);
    expect(c?.imagePullPolicy).toBe("Always");
    expect(imageAllowed(c?.image ?? "", allowedRegistries(ctx.config))).toBe(true);
    expect(c?.command.at(-1)).toBe(FINGERPRINT_SQL);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(c?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(c?.resources.requests).toBeDefined();
    expect(c?.resources.limits).toBeDefined();
    for (const forbidden of ["nodeName", "affinity", "hostNetwork", "hostPID", "hostIPC", "volumes", "priorityClassName"]) expect(spec).not.toHaveProperty(forbidden);
    expect(spec.automountServiceAccountToken).toBe(false);
  });
});

/** A client that answers the probe's calls as an API server would, and records them. */
function fakeCluster(answers: { phase: () => string; log: string; conditions?: unknown[] }): { calls: KubeRequest[]; applier: Applier } {
  const calls: KubeRequest[] = [];
  const client = {
    send: (req: KubeRequest) => {
      calls.push(req);
      return Promise.resolve(req.method === "GET" ? { status: { phase: answers.phase(), ...(answers.conditions ? { conditions: answers.conditions } : {}) } } : {});
    },
    sendText: (req: KubeRequest) => {
      calls.push(req);
      return Promise.resolve(answers.log);
    },
  };
  return { calls, applier: { client: client as unknown as KubeClient } as unknown as Applier };
}

describe("kubernetesDatabaseProbe", () => {
  it("creates the pod on the tenant's cluster in its namespace, reads the fingerprint from its log and deletes it", async () => {
    const { calls, applier } = fakeCluster({ phase: () => "Succeeded", log: '{"public.orders":{"rows":2,"checksum":"abc"}}\n' });
    const clusters: string[] = [];
    const probe = kubernetesDatabaseProbe(
      (cluster) => {
        clusters.push(cluster);
        return applier;
      },
      { timeoutSeconds: 5 },
    );
    expect(await probe.fingerprint(medium)).toEqual({ tables: { "public.orders": { rows: 2, checksum: "abc" } } });
    expect(clusters).toEqual([medium.placement.cluster]);
    const post = calls[0];
    expect(post?.method).toBe("POST");
    expect(post?.path).toBe(`/api/v1/namespaces/${medium.names.namespace}/pods`);
    const body = post?.body as { metadata: { name: string } };
    expect(body).toEqual(fingerprintPod(medium, body.metadata.name));
    expect(calls.map((c) => c.method)).toEqual(["POST", "GET", "GET", "DELETE"]);
    // The API server answers 406 to pods/log asked for text/plain alone (seen on the real nodes).
    expect(calls[2]?.accept).toMatch(/\*\/\*/);
    expect(calls.at(-1)?.path).toBe(`/api/v1/namespaces/${medium.names.namespace}/pods/${body.metadata.name}`);
  });

  it("says what the pod waits for when it does not finish, and still deletes it", async () => {
    const { calls, applier } = fakeCluster({
      phase: () => "Pending",
      log: "",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." }],
    });
    const probe = kubernetesDatabaseProbe(() => applier, { timeoutSeconds: 0 });
    await expect(probe.fingerprint(medium)).rejects.toThrow(/did not finish in 0 s \(phase Pending; not scheduled \(0\/3 nodes are available/);
    expect(calls.at(-1)?.method).toBe("DELETE");
  });
});
