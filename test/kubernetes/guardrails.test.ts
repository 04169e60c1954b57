/**
 * The platform's admission guardrails, tried as a hostile tenant would, on the real API
 * server: every attempt is a server-side dry run, so admission decides and nothing stays.
 * Each is made by the identity that would really make it: Jobs and CronJobs by the
 * tenant's own admin group, pods by the job controller that creates them from those Jobs,
 * Services and Ingresses by the platform's delivery (a tenant may not create them at all),
 * and each asserts the refusal of the rule meant to refuse it, so a rule that stops
 * working fails here even when another layer would still refuse.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { addNodes } from "../../src/devcluster/seed.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admissionPolicies } from "../../src/render/platform/admission-policies.js";
import { platformFromText } from "../workflows/tenant/support/harness.js";
import { admin, bundleOfStored, liveHarness, livePlatformText, uniqueName, type LiveHarness } from "./support/live.js";

const shared = uniqueName("ga");
const pooled = uniqueName("gm");
const IMAGE = "registry.example.com/saas/app:1.0.0";
let h: LiveHarness;
let client: KubeClient;
/** The shared tenant's own people (its admin group), and the job controller that runs their Jobs' pods. */
let tenantAdmin: KubeClient;
let poolAdmin: KubeClient;
let jobController: KubeClient;

/** The identity that creates each kind: pods come from the job controller, Jobs from the tenant, the rest from the platform. */
function actor(namespace: string, resource: string): KubeClient {
  if (resource === "pods") return jobController;
  if (resource === "jobs" || resource === "cronjobs") return namespace === `tenant-${pooled}` ? poolAdmin : tenantAdmin;
  return client;
}

/** POSTs as a dry run; "allowed" or the API server's message. */
async function attempt(namespace: string, resource: string, body: Record<string, unknown>, group = "api/v1", as: KubeClient = actor(namespace, resource)): Promise<string> {
  try {
    await as.send({ method: "POST", path: `/${group}/namespaces/${namespace}/${resource}`, query: { dryRun: "All" }, body });
    return "allowed";
  } catch (err) {
    if (err instanceof KubeApiError) return err.detail;
    throw err;
  }
}

function pod(spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "probe" },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "c", image: IMAGE, imagePullPolicy: "Always", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "10m", memory: "16Mi" } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, ...container }],
      ...spec,
    },
  };
}

function job(template: Record<string, unknown>, labels: Record<string, string> = {}): Record<string, unknown> {
  const p = pod(template);
  return { apiVersion: "batch/v1", kind: "Job", metadata: { name: "probe" }, spec: { template: { metadata: { labels }, spec: { ...(p.spec as object), restartPolicy: "Never" } } } };
}

beforeAll(async () => {
  h = await liveHarness();
  const { kc } = admin();
  client = new KubeClient(kc, kc.getCurrentContext());
  const as = (user: string, groups: string[]) => new KubeClient(kc, kc.getCurrentContext(), undefined, { user, groups: [...groups, "system:authenticated"] });
  tenantAdmin = as("hostile@example.com", [`landlord:tenant:${shared}:admins`]);
  poolAdmin = as("hostile@example.com", [`landlord:tenant:${pooled}:admins`]);
  jobController = as("system:serviceaccount:kube-system:job-controller", ["system:serviceaccounts", "system:serviceaccounts:kube-system"]);
  await addNodes(kc, { pool: `pool-${pooled}`, count: 1, labels: { "landlord.dev/tenant": pooled }, taints: [{ key: "landlord.dev/tenant", value: pooled, effect: "NoSchedule" }] });
  for (const [name, tier] of [[shared, "small"], [pooled, "medium"]] as const) {
    expect(finishedStatus((await onboard(h, tenantDoc(name, { tier }))).result)).toBe("Succeeded");
  }
});

afterAll(async () => {
  for (const c of [tenantAdmin, poolAdmin, jobController]) c.close();
  client.close();
  await h.close();
});

describe("admission guardrails on the live API server", () => {
  const ns = () => `tenant-${shared}`;
  const own = { key: "landlord.dev/tenant", value: pooled, effect: "NoSchedule" };

  it("let a well-behaved pod, job, service and ingress through", async () => {
    expect(await attempt(ns(), "pods", pod())).toBe("allowed");
    expect(await attempt(ns(), "jobs", job({}), "apis/batch/v1")).toBe("allowed");
    expect(await attempt(ns(), "services", { apiVersion: "v1", kind: "Service", metadata: { name: "probe" }, spec: { ports: [{ port: 80 }] } })).toBe("allowed");
    const ingress = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "probe" }, spec: { rules: [{ host: `api.${shared}.apps.example.com` }] } };
    expect(await attempt(ns(), "ingresses", ingress, "apis/networking.k8s.io/v1")).toBe("allowed");
  });

  it("keep pods off other tenants' node pools and pin a pool tenant's pods to its own", async () => {
    expect(await attempt(ns(), "pods", pod({ tolerations: [own] }))).toMatch(/may tolerate only their own node pool's taint/);
    expect(await attempt(ns(), "pods", pod({ tolerations: [{ operator: "Exists" }] }))).toMatch(/no wildcard tolerations/);
    expect(await attempt(ns(), "pods", pod({ tolerations: [{ key: "landlord.dev/tenant", operator: "Exists" }] }))).toMatch(/own node pool's taint/);
    expect(await attempt(ns(), "pods", pod({ nodeSelector: { "landlord.dev/tenant": pooled } }))).toMatch(/select only their own node pool/);
    expect(await attempt(ns(), "pods", pod({ nodeName: `pool-${pooled}-0` }))).toMatch(/may not name their node/);
    // The class, not the example: the system pool, a node gone for good, one node by name.
    expect(await attempt(ns(), "pods", pod({ tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }], nodeSelector: { "kubernetes.azure.com/agentpool": "system" } }))).toMatch(/may tolerate only their own node pool's taint/);
    expect(await attempt(ns(), "pods", pod({ tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] }))).toMatch(/for at most 300 s/);
    expect(await attempt(ns(), "pods", pod({ nodeSelector: { "kubernetes.io/hostname": "shared-0" } }))).toMatch(/select only their own node pool/);
    expect(await attempt(ns(), "pods", pod({ nodeSelector: { "kubernetes.azure.com/agentpool": "system" } }))).toMatch(/select only their own node pool/);
    // What the API server itself adds to every pod stays allowed.
    expect(await attempt(ns(), "pods", pod({ tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }], nodeSelector: { "kubernetes.io/os": "linux" } }))).toBe("allowed");
    expect(await attempt(ns(), "pods", pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "landlord.dev/tenant", operator: "In", values: [pooled] }] }] } } } }))).toMatch(/may not set node affinity/);
    const poolNs = `tenant-${pooled}`;
    expect(await attempt(poolNs, "pods", pod())).toMatch(/must run on it/);
    expect(await attempt(poolNs, "pods", pod({ nodeSelector: { "landlord.dev/tenant": pooled }, tolerations: [own] }))).toBe("allowed");
  });

  it("let cert-manager's HTTP-01 solver run in a dedicated-pool tenant's namespace, and nobody else's unplaced pod (issue 22, defect 3)", async () => {
    const { kc } = admin();
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    const name = `landlord-test-solver-${pooled}`;
    // What cert-manager's chart grants its controller: creating solver pods anywhere.
    await client.send({ method: "POST", path: `${rbac}/clusterroles`, body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }] } });
    await client.send({ method: "POST", path: `${rbac}/clusterrolebindings`, body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }] } });
    const certManager = new KubeClient(kc, kc.getCurrentContext(), undefined, { user: "system:serviceaccount:cert-manager:cert-manager", groups: ["system:serviceaccounts", "system:serviceaccounts:cert-manager", "system:authenticated"] });
    try {
      const solver = (labels: Record<string, string>) => ({ ...pod({}, { image: "quay.io/jetstack/cert-manager-acmesolver:v1.21.1", imagePullPolicy: "IfNotPresent" }), metadata: { generateName: "cm-acme-http-solver-", labels } });
      const poolNs = `tenant-${pooled}`;
      let admitted = "";
      // RBAC caches the new binding briefly.
      for (let i = 0; i < 40 && admitted !== "allowed"; i++) {
        admitted = await attempt(poolNs, "pods", solver({ "acme.cert-manager.io/http01-solver": "true" }), "api/v1", certManager);
        if (admitted !== "allowed") await new Promise((r) => setTimeout(r, 250));
      }
      expect(admitted).toBe("allowed");
      // Without the solver's label, cert-manager's own pod is an ordinary unplaced pod.
      expect(await attempt(poolNs, "pods", solver({}), "api/v1", certManager)).toMatch(/pods of a tenant with a dedicated node pool must run on it/);
      // The label alone exempts nobody: the job controller creating it for a tenant's Job is refused.
      expect(await attempt(poolNs, "pods", solver({ "acme.cert-manager.io/http01-solver": "true" }), "api/v1", jobController)).toMatch(/pods of a tenant with a dedicated node pool must run on it/);
    } finally {
      certManager.close();
      await client.send({ method: "DELETE", path: `${rbac}/clusterrolebindings/${name}` });
      await client.send({ method: "DELETE", path: `${rbac}/clusterroles/${name}` });
    }
  });

  it("refuse foreign repositories, cached images, priority classes, host access and open doors", async () => {
    const jobs = (template: Record<string, unknown>, container: Record<string, unknown> = {}) => {
      const j = job(template) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
      j.spec.template.spec.containers = j.spec.template.spec.containers.map((c) => ({ ...c, ...container }));
      return attempt(ns(), "jobs", j, "apis/batch/v1");
    };
    // By repository, not by host: ghcr.io serves the database image, and anyone's images too.
    expect(await jobs({}, { image: "docker.io/attacker/miner:latest" })).toMatch(/images must come from: registry\.example\.com\/saas\/app, ghcr\.io\/cloudnative-pg\/postgresql/);
    expect(await jobs({}, { image: "ghcr.io/attacker/miner:latest" })).toMatch(/images must come from/);
    expect(await jobs({}, { image: "registry.example.com/saas/app-evil:1" })).toMatch(/images must come from/);
    expect(await jobs({}, { imagePullPolicy: "IfNotPresent" })).toMatch(/must set imagePullPolicy: Always/);
    expect(await attempt(ns(), "pods", pod({}, { imagePullPolicy: undefined }))).toMatch(/must set imagePullPolicy: Always/);
    expect(await jobs({ priorityClassName: "system-cluster-critical" })).toMatch(/may use only these PriorityClasses/);
    // Pod Security only warns on a Job's template: the hostPath rule is what refuses it.
    expect(await jobs({ volumes: [{ name: "h", hostPath: { path: "/" } }] })).toMatch(/may not mount hostPath volumes/);
    expect(await jobs({ hostNetwork: true })).toMatch(/may not use the node's network/);
    // A tenant may not create Services or Ingresses at all; the platform's delivery of a chart may, within the policy.
    const nodePort = { apiVersion: "v1", kind: "Service", metadata: { name: "np" }, spec: { type: "NodePort", ports: [{ port: 80 }] } };
    expect(await attempt(ns(), "services", nodePort, "api/v1", tenantAdmin)).toMatch(/cannot create resource "services"/);
    expect(await attempt(ns(), "services", nodePort)).toMatch(/no NodePort or LoadBalancer services/);
    expect(await attempt(ns(), "services", { apiVersion: "v1", kind: "Service", metadata: { name: "ip" }, spec: { ports: [{ port: 80 }], externalIPs: ["10.1.2.3"] } })).toMatch(/may not claim external IPs/);
  });

  it("keep the namespace's Secrets from the tenant's Jobs (readSecrets: false)", async () => {
    const secretJob = (spec: Record<string, unknown>, container: Record<string, unknown> = {}) => {
      const j = job(spec) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
      j.spec.template.spec.containers = j.spec.template.spec.containers.map((c) => ({ ...c, ...container }));
      return j as unknown as Record<string, unknown>;
    };
    const refused = /tenant jobs may not mount or read Secrets/;
    expect(await attempt(ns(), "jobs", secretJob({ volumes: [{ name: "s", secret: { secretName: "db-app" } }] }), "apis/batch/v1")).toMatch(refused);
    expect(await attempt(ns(), "jobs", secretJob({ volumes: [{ name: "s", projected: { sources: [{ secret: { name: "db-app" } }] } }] }), "apis/batch/v1")).toMatch(refused);
    expect(await attempt(ns(), "jobs", secretJob({}, { env: [{ name: "P", valueFrom: { secretKeyRef: { name: "db-app", key: "password" } } }] }), "apis/batch/v1")).toMatch(refused);
    expect(await attempt(ns(), "jobs", secretJob({}, { envFrom: [{ secretRef: { name: "db-app" } }] }), "apis/batch/v1")).toMatch(refused);
    // The tenant-scoped kubeconfig's ServiceAccount is the tenant's identity too.
    const sa = new KubeClient(admin().kc, admin().kc.getCurrentContext(), undefined, { user: `system:serviceaccount:${ns()}:tenant-admin`, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns()}`, "system:authenticated"] });
    try {
      expect(await attempt(ns(), "jobs", secretJob({ volumes: [{ name: "s", secret: { secretName: "db-app" } }] }), "apis/batch/v1", sa)).toMatch(refused);
    } finally {
      sa.close();
    }
    // The platform's own delivery (a chart's migration Job) may still hand a Job its credentials.
    expect(await attempt(ns(), "jobs", secretJob({}, { envFrom: [{ secretRef: { name: "db-app" } }] }), "apis/batch/v1", client)).toBe("allowed");
  });

  it("refuse an Ingress for a neighbour's host, the zone apex or a parent domain", async () => {
    const own = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "own" }, spec: { rules: [{ host: `${shared}.apps.example.com` }] } };
    expect(await attempt(ns(), "ingresses", own, "apis/networking.k8s.io/v1", tenantAdmin)).toMatch(/cannot create resource "ingresses"/);
    for (const host of [`${pooled}.apps.example.com`, `api.${pooled}.apps.example.com`, "apps.example.com", "example.com", `evil-${shared}.apps.example.com`]) {
      const ingress = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "steal" }, spec: { rules: [{ host }] } };
      expect(await attempt(ns(), "ingresses", ingress, "apis/networking.k8s.io/v1"), host).toMatch(/only the tenant's own domains/);
    }
  });

  it("refuse jobs that forge the database's labels or borrow the app's identity", async () => {
    expect(await attempt(ns(), "jobs", job({}, { "cnpg.io/cluster": "db" }), "apis/batch/v1")).toMatch(/may not carry platform labels/);
    expect(await attempt(ns(), "jobs", job({}, { "landlord.dev/tenant": pooled }), "apis/batch/v1")).toMatch(/may not carry platform labels/);
    expect(await attempt(ns(), "jobs", job({ serviceAccountName: "app" }), "apis/batch/v1")).toMatch(/run as the namespace's default ServiceAccount/);
    expect(await attempt(ns(), "jobs", job({ tolerations: [own] }), "apis/batch/v1")).toMatch(/may tolerate only their own node pool's taint/);
    expect(await attempt(ns(), "jobs", job({ tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] }), "apis/batch/v1")).toMatch(/may tolerate only their own node pool's taint/);
    expect(await attempt(ns(), "jobs", job({ nodeSelector: { "kubernetes.io/hostname": "shared-0" } }), "apis/batch/v1")).toMatch(/may select only their own node pool/);
    const cron = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "probe" }, spec: { schedule: "* * * * *", jobTemplate: { spec: (job({}, { "cnpg.io/podRole": "instance" }) as { spec: object }).spec } } };
    expect(await attempt(ns(), "cronjobs", cron, "apis/batch/v1")).toMatch(/may not carry platform labels/);
  });

  it("deny everything in a managed namespace whose parameters are missing", async () => {
    await client.send({ method: "DELETE", path: `/api/v1/namespaces/${ns()}/configmaps/landlord-guardrails` });
    // The API server learns of the deletion through its informer: on a busy machine a
    // request made at once may still see the parameters, so wait briefly for the denial.
    const missing = /landlord-guardrails.*not found|no params found|failed to configure binding/i;
    let denied = await attempt(ns(), "pods", pod());
    for (let i = 0; i < 40 && !missing.test(denied); i++) {
      await new Promise((r) => setTimeout(r, 250));
      denied = await attempt(ns(), "pods", pod());
    }
    expect(denied).toMatch(missing);
    const report = await h.delivery.applyBundle(await bundleOfStored(h, shared));
    expect(report.outcomes.find((o) => o.object.startsWith("ConfigMap/landlord-guardrails"))?.action).toBe("created");
    expect(await attempt(ns(), "pods", pod())).toBe("allowed");
  });

  it("refuse volumes on a StorageClass outside an explicit allow-list (docs/adr/0017)", async () => {
    const listed = platformFromText(livePlatformText().replace("  ceilingExceptions: []", "  ceilingExceptions: []\n  allowedStorageClasses: [managed-csi]"));
    const volumes = admissionPolicies(listed.config).filter((o) => o.metadata.name === "landlord-tenant-volumes");
    expect(volumes.map((o) => o.kind)).toEqual(["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
    const paths = ["validatingadmissionpolicies", "validatingadmissionpolicybindings"];
    try {
      for (const [i, o] of volumes.entries()) {
        await client.send({ method: "POST", path: `/apis/admissionregistration.k8s.io/v1/${paths[i] ?? ""}`, body: o });
      }
      const pvc = (storageClassName?: string) => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "probe" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(storageClassName ? { storageClassName } : {}) },
      });
      // Policies take effect once the API server has loaded them: retry the first refusal briefly.
      let refused = "";
      for (let i = 0; i < 40 && !/StorageClasses: managed-csi/.test(refused); i++) {
        refused = await attempt(ns(), "persistentvolumeclaims", pvc("premium-unencrypted"));
        if (!/StorageClasses/.test(refused)) await new Promise((r) => setTimeout(r, 250));
      }
      expect(refused).toMatch(/volumes may use only these StorageClasses: managed-csi/);
      expect(await attempt(ns(), "persistentvolumeclaims", pvc("managed-csi"))).toBe("allowed");
    } finally {
      for (const [i, o] of [...volumes.entries()].reverse()) {
        await client.send({ method: "DELETE", path: `/apis/admissionregistration.k8s.io/v1/${paths[i] ?? ""}/${o.metadata.name}` });
      }
    }
  });

  it("give the tenant's admins no Secret reads, exec or port-forward unless the platform opts in", async () => {
    const review = async (resource: string, verb: string, subresource?: string, group = "") => {
      const body = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: { groups: [`landlord:tenant:${shared}:admins`], user: "someone", resourceAttributes: { namespace: ns(), group, resource, verb, ...(subresource ? { subresource } : {}) } },
      };
      const r = await client.send<{ status?: { allowed?: boolean } }>({ method: "POST", path: "/apis/authorization.k8s.io/v1/subjectaccessreviews", body });
      return r.status?.allowed === true;
    };
    expect(await review("secrets", "get")).toBe(false);
    expect(await review("pods", "create", "exec")).toBe(false);
    expect(await review("pods", "create", "portforward")).toBe(false);
    expect(await review("jobs", "create", undefined, "batch")).toBe(true);
    const sa = await client.send<{ automountServiceAccountToken?: boolean }>({ method: "GET", path: `/api/v1/namespaces/${ns()}/serviceaccounts/default` });
    expect(sa.automountServiceAccountToken).toBe(false);
  });
});
