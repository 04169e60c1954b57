/**
 * `landlord audit --live`: isolation asked of the API server itself. For every ordered pair
 * of tenants, SubjectAccessReviews for the first tenant's admin group on every namespaced
 * resource the server serves in the second's namespace, and on cluster-scoped resources;
 * then real attempts, impersonating each tenant's admin group, that must all be refused.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { KubeApiError } from "../delivery/kubernetes/errors.js";
import { mapLimit } from "../delivery/kubernetes/pool.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import { allowedRegistries } from "../spec/registries.js";

export interface LiveTenant {
  readonly name: string;
  readonly namespace: string;
  /** The groups bound to its admin role. */
  readonly adminGroups: readonly string[];
  readonly domains: readonly string[];
}

export interface Finding {
  readonly actor: string;
  readonly target: string;
  readonly what: string;
  /** true when the server allowed what must be refused. */
  readonly violation: boolean;
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  verbs: string[];
}

const VERBS = ["get", "list", "create", "update", "delete"] as const;

/** What every authenticated identity may do by Kubernetes' defaults: ask about itself. */
const EVERYONE_MAY = new Set(["create authorization.k8s.io/selfsubjectaccessreviews", "create authorization.k8s.io/selfsubjectrulesreviews", "create authentication.k8s.io/selfsubjectreviews"]);

async function resources(client: KubeClient): Promise<{ group: string; resource: string; namespaced: boolean }[]> {
  const out: { group: string; resource: string; namespaced: boolean }[] = [];
  const core = await client.send<{ resources: ApiResource[] }>({ method: "GET", path: "/api/v1" });
  for (const r of core.resources) if (!r.name.includes("/")) out.push({ group: "", resource: r.name, namespaced: r.namespaced });
  const groups = await client.send<{ groups: { preferredVersion: { groupVersion: string } }[] }>({ method: "GET", path: "/apis" });
  for (const g of groups.groups) {
    const gv = g.preferredVersion.groupVersion;
    const list = await client.send<{ resources: ApiResource[] }>({ method: "GET", path: `/apis/${gv}` }).catch(() => ({ resources: [] as ApiResource[] }));
    for (const r of list.resources) if (!r.name.includes("/")) out.push({ group: gv.split("/")[0] ?? "", resource: r.name, namespaced: r.namespaced });
  }
  return out;
}

async function allowed(client: KubeClient, groups: readonly string[], attrs: Record<string, string>): Promise<boolean> {
  const review = await client.send<{ status?: { allowed?: boolean } }>({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec: { user: "landlord-audit-probe", groups: [...groups, "system:authenticated"], resourceAttributes: attrs } },
  });
  return review.status?.allowed === true;
}

const ABSENT_TENANT: LiveTenant = { name: "landlord-audit-absent", namespace: "landlord-audit-absent", adminGroups: [], domains: ["landlord-audit-absent.invalid"] };

/** The attempts' stand-in workload for a platform: its default app image, which admission allows. */
export function attemptOptions(config: PlatformConfig): AttemptOptions {
  const app = config.defaults.app;
  return { image: `${app?.image ?? allowedRegistries(config)[0] ?? "registry.invalid/app"}:${app?.version ?? "1"}`, readSecrets: config.policy.tenantAdmin.readSecrets };
}

/** What stands in for a tenant's workload in the attempts: an image the platform allows, pulled Always. */
export interface AttemptOptions {
  /** An image admission accepts (the default app image), so each attempt breaks one rule only. */
  readonly image: string;
  /** policy.tenantAdmin.readSecrets: when false, Jobs mounting Secrets must be refused. */
  readonly readSecrets: boolean;
}

interface Attempt {
  readonly what: string;
  readonly method: "POST" | "PATCH" | "GET";
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** The refusal that is meant to stop it: a policy's message, or RBAC's. Another refusal is no proof. */
  readonly refusedBy: string;
}

const RBAC = "cannot ";

/**
 * Attempts that must be refused, impersonating the tenant's admin group. Each breaks one
 * rule and is otherwise admissible (allowed image, pulled Always, restricted Pod Security),
 * so the refusal it gets names the rule meant to refuse it.
 */
function attempts(self: LiveTenant, other: LiveTenant, o: AttemptOptions): Attempt[] {
  const ns = self.namespace;
  const container = (extra: Record<string, unknown> = {}) => ({ name: "c", image: o.image, imagePullPolicy: "Always", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, ...extra });
  const podSpec = (extra: Record<string, unknown>, c: Record<string, unknown> = {}) => ({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, restartPolicy: "Never", containers: [container(c)], ...extra });
  const jobs = `/apis/batch/v1/namespaces/${ns}/jobs`;
  const job = (what: string, refusedBy: string, extra: Record<string, unknown>, c: Record<string, unknown> = {}, labels: Record<string, string> = {}): Attempt => ({
    what,
    method: "POST",
    path: jobs,
    body: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "probe" }, spec: { template: { metadata: { labels }, spec: podSpec(extra, c) } } },
    refusedBy,
  });
  const host = o.image.split("/")[0] ?? "registry.invalid";
  const toleration = "may tolerate only their own node pool's taint";
  const selector = "may select only their own node pool";
  const secrets = "may not mount or read Secrets";
  const out: Attempt[] = [
    { what: "create a privileged pod", method: "POST", path: `/api/v1/namespaces/${ns}/pods`, body: { apiVersion: "v1", kind: "Pod", metadata: { name: "probe" }, spec: { containers: [{ name: "c", image: o.image, securityContext: { privileged: true } }] } }, refusedBy: RBAC },
    job("a job mounting hostPath", "may not mount hostPath volumes", { volumes: [{ name: "h", hostPath: { path: "/" } }] }),
    job(`a job with an image from an unlisted repository on ${host}`, "images must come from", {}, { image: `${host}/landlord-audit/unlisted:1` }),
    job("a job that may run a cached image unpulled (IfNotPresent)", "imagePullPolicy: Always", {}, { imagePullPolicy: "IfNotPresent" }),
    job(`a job tolerating ${other.name}'s node pool`, toleration, { tolerations: [{ key: "landlord.dev/tenant", value: other.name, effect: "NoSchedule" }] }),
    job("a job tolerating the system pool (CriticalAddonsOnly)", toleration, { tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] }),
    job("a job tolerating an unreachable node for ever", toleration, { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] }),
    job(`a job selecting ${other.name}'s node pool`, selector, { nodeSelector: { "landlord.dev/tenant": other.name } }),
    job("a job selecting the system pool", selector, { nodeSelector: { "kubernetes.azure.com/mode": "system" } }),
    job("a job pinned to one node by hostname", selector, { nodeSelector: { "kubernetes.io/hostname": "any-node" } }),
    job("a job naming its node", "may not name their node", { nodeName: "any-node" }),
    job("a job with node affinity", "may not set node affinity", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["any-node"] }] }] } } } }),
    job("a job with the database's labels", "may not carry platform labels", {}, {}, { "cnpg.io/cluster": "db" }),
    job("a job as the app's service account", "default ServiceAccount", { serviceAccountName: "app" }),
    ...(o.readSecrets
      ? []
      : [
          job("a job mounting the database credentials (Secret db-app)", secrets, { volumes: [{ name: "s", secret: { secretName: "db-app" } }] }),
          job("a job reading the database password into its environment", secrets, {}, { env: [{ name: "P", valueFrom: { secretKeyRef: { name: "db-app", key: "password" } } }] }),
        ]),
    { what: "a NodePort service", method: "POST", path: `/api/v1/namespaces/${ns}/services`, body: { apiVersion: "v1", kind: "Service", metadata: { name: "probe" }, spec: { type: "NodePort", ports: [{ port: 80 }] } }, refusedBy: RBAC },
    { what: "edit its own quota", method: "PATCH", path: `/api/v1/namespaces/${ns}/resourcequotas/tenant-quota`, body: [{ op: "replace", path: "/spec/hard/pods", value: "9999" }], contentType: "application/json-patch+json", refusedBy: RBAC },
    { what: "edit its own network policy", method: "PATCH", path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/default-deny`, body: [{ op: "replace", path: "/spec/policyTypes", value: [] }], contentType: "application/json-patch+json", refusedBy: RBAC },
    { what: "edit its own role binding", method: "PATCH", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/tenant-admin`, body: [{ op: "add", path: "/subjects/-", value: { kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" } }], contentType: "application/json-patch+json", refusedBy: RBAC },
    { what: `read pods of ${other.name}`, method: "GET", path: `/api/v1/namespaces/${other.namespace}/pods`, refusedBy: RBAC },
    { what: `read secrets of ${other.name}`, method: "GET", path: `/api/v1/namespaces/${other.namespace}/secrets`, refusedBy: RBAC },
    { what: "read its own namespace's secrets", method: "GET", path: `/api/v1/namespaces/${ns}/secrets`, refusedBy: o.readSecrets ? "" : RBAC },
    { what: `an Ingress for ${other.name}'s host`, method: "POST", path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, body: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "probe" }, spec: { rules: [{ host: other.domains[0] ?? "x.invalid" }] } }, refusedBy: RBAC },
    { what: "list nodes", method: "GET", path: "/api/v1/nodes", refusedBy: RBAC },
  ];
  return out.filter((a) => a.refusedBy !== "");
}

export async function auditLive(kc: KubeConfig, tenants: readonly LiveTenant[], options: AttemptOptions, onProgress: (line: string) => void = () => undefined): Promise<Finding[]> {
  const admin = new KubeClient(kc, kc.getCurrentContext());
  const findings: Finding[] = [];
  try {
    const all = await resources(admin);
    const namespaced = all.filter((r) => r.namespaced);
    const clusterScoped = all.filter((r) => !r.namespaced);
    for (const [i, self] of tenants.entries()) {
      onProgress(`[${String(i + 1)}/${String(tenants.length)}] ${self.name}: access reviews`);
      const checks: { target: string; what: string; attrs: Record<string, string> }[] = [];
      for (const other of tenants) {
        if (other.name === self.name) continue;
        for (const r of namespaced) for (const verb of VERBS) checks.push({ target: other.name, what: `${verb} ${r.group === "" ? "" : `${r.group}/`}${r.resource}`, attrs: { namespace: other.namespace, verb, group: r.group, resource: r.resource } });
      }
      for (const r of clusterScoped) for (const verb of VERBS) checks.push({ target: "(cluster)", what: `${verb} ${r.group === "" ? "" : `${r.group}/`}${r.resource}`, attrs: { verb, group: r.group, resource: r.resource } });
      const results = await mapLimit(checks, 16, async (c) => ({ ...c, allowed: await allowed(admin, self.adminGroups, c.attrs) }));
      for (const r of results) findings.push({ actor: self.name, target: r.target, what: `access review: ${r.what}`, violation: r.allowed && !EVERYONE_MAY.has(r.what) });

      onProgress(`[${String(i + 1)}/${String(tenants.length)}] ${self.name}: attempts as its admin group`);
      // With one tenant there is no neighbour to reach for: a tenant that does not exist
      // stands in, so the cross-tenant attempts are still made (and not turned on itself).
      const other = tenants.length > 1 ? (tenants[(i + 1) % tenants.length] ?? self) : ABSENT_TENANT;
      const as = new KubeClient(kc, kc.getCurrentContext(), undefined, { user: "landlord-audit-probe", groups: [...self.adminGroups, "system:authenticated"] });
      try {
        for (const a of attempts(self, other, options)) {
          let outcome: string | undefined;
          try {
            await as.send({ method: a.method, path: a.path, query: a.method === "GET" ? {} : { dryRun: "All" }, ...(a.body === undefined ? {} : { body: a.body }), ...(a.contentType ? { contentType: a.contentType } : {}) });
            outcome = "admitted";
          } catch (err) {
            if (!(err instanceof KubeApiError) || err.status >= 500) throw err;
            // Refused, but by something else: the rule meant to refuse it is unproven (or gone).
            if (!err.detail.includes(a.refusedBy)) outcome = `refused, but not by the rule meant to (${a.refusedBy.trim()}): ${err.detail}`;
          }
          findings.push({ actor: self.name, target: a.path.includes(`/${other.namespace}/`) ? other.name : self.name, what: `attempt: ${a.what}${outcome === undefined || outcome === "admitted" ? "" : ` (${outcome})`}`, violation: outcome !== undefined });
        }
      } finally {
        as.close();
      }
    }
  } finally {
    admin.close();
  }
  return findings;
}
