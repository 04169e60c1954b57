/**
 * `landlord audit`: checks over every tenant's rendered bundle, each with an id, the
 * Kubernetes multi-tenancy benchmark (MTB) category it serves where one fits, pass or
 * fail, and the fix; plus the NetworkPolicy reachability between every tenant's pods.
 */
import type { Bundle } from "../render/bundle.js";
import { GUARDRAIL_PARAMS } from "../render/kubernetes/guardrail-params.js";
import { POOL_LABEL } from "../render/kubernetes/scheduling.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import { POSTGRES_METRICS_PORT } from "../spec/reserved-ports.js";
import { all, find, get, str, type Check } from "./bundle-read.js";
import { POD_CHECKS } from "./pod-checks.js";
import { TENANT_CHECKS } from "./tenant-checks.js";
import { policiesOf, reachability, type Path, type PodGroup } from "./reachability.js";

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly mtb?: string;
  readonly tenant: string;
  readonly pass: boolean;
  readonly detail: string;
  readonly fix: string;
}

const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection", "*"];
const FENCES = ["resourcequotas", "limitranges", "networkpolicies", "roles", "rolebindings", "namespaces", "*"];

const CHECKS: readonly Check[] = [
  {
    id: "LL-NS-1",
    title: "Pod Security 'restricted' enforced on the namespace",
    mtb: "Block privileged containers; Block add capabilities; Require run as non-root user",
    fix: "keep the pod-security.kubernetes.io/enforce: restricted label on the Namespace (renderer)",
    run: (b) => (get(find(b, "Namespace"), "metadata", "labels", "pod-security.kubernetes.io/enforce") === "restricted" ? undefined : "namespace does not enforce restricted"),
  },
  {
    id: "LL-NS-2",
    title: "ResourceQuota caps compute, storage, ephemeral storage, services and object counts",
    mtb: "Configure namespace resource quotas",
    fix: "render every key of the tenant quota (namespace.ts)",
    run: (b) => {
      const hard = (get(find(b, "ResourceQuota"), "spec", "hard") ?? {}) as Record<string, string>;
      const need = ["requests.cpu", "requests.memory", "limits.memory", "requests.storage", "pods", "requests.ephemeral-storage", "services.loadbalancers", "services.nodeports", "count/secrets", "count/configmaps", "count/jobs.batch"];
      const missing = need.filter((k) => hard[k] === undefined);
      const open = ["services.loadbalancers", "services.nodeports"].filter((k) => hard[k] !== undefined && hard[k] !== "0");
      return missing.length > 0 ? `missing ${missing.join(", ")}` : open.length > 0 ? `${open.join(", ")} not 0` : undefined;
    },
  },
  {
    id: "LL-NS-3",
    title: "LimitRange gives container defaults and maximums, and bounds PVCs",
    mtb: "Configure namespace object limits",
    fix: "render defaults, max and a PersistentVolumeClaim entry in the LimitRange",
    run: (b) => {
      const limits = (get(find(b, "LimitRange"), "spec", "limits") ?? []) as { type?: string; default?: unknown; max?: unknown }[];
      const container = limits.find((l) => l.type === "Container");
      if (!container?.default || !container.max) return "no container defaults or maximum";
      return limits.some((l) => l.type === "PersistentVolumeClaim") ? undefined : "no PVC bounds";
    },
  },
  {
    id: "LL-NET-1",
    title: "Default deny for ingress and egress",
    mtb: "Block network traffic across tenant namespaces",
    fix: "keep NetworkPolicy default-deny with an empty podSelector and both policy types",
    run: (b) => {
      const ok = all(b, "NetworkPolicy").some((p) => Object.keys((get(p, "spec", "podSelector") ?? {})).length === 0 && ["Ingress", "Egress"].every((t) => ((get(p, "spec", "policyTypes") ?? []) as string[]).includes(t)) && get(p, "spec", "ingress") === undefined && get(p, "spec", "egress") === undefined);
      return ok ? undefined : "no default-deny policy";
    },
  },
  {
    id: "LL-NET-2",
    title: "The monitoring namespace reaches each pod's metrics port only",
    mtb: "Block network traffic across tenant namespaces",
    fix: "allow the scraper each target's own metrics port on its own pods (network-policies.ts); keep the app off the platform's reserved ports",
    run: (b, config) => {
      const m = config.integrations.monitoring;
      const scraper: PodGroup = { tenant: "platform", namespace: m.namespace, namespaceLabels: { "kubernetes.io/metadata.name": m.namespace }, name: "monitoring", labels: m.scraperPodLabels, ports: [] };
      const ports = (get(find(b, "Deployment"), "spec", "template", "spec", "containers", "0", "ports") ?? []) as { name?: string; containerPort?: number }[];
      const appMetrics = (ports.find((p) => p.name === "metrics") ?? ports.find((p) => p.name === "http"))?.containerPort;
      const metricsPort = new Map<string, number | undefined>([
        [`${b.tenant}/app`, appMetrics],
        [`${b.tenant}/database`, POSTGRES_METRICS_PORT],
      ]);
      const open = reachability([scraper, ...podGroups(b)], policiesOf(b.objects)).filter((p) => p.from === "platform/monitoring" && p.allowed && p.port !== metricsPort.get(p.to));
      return open.length > 0 ? `monitoring reaches ${open.map((p) => `${p.to}:${String(p.port)}`).join(", ")}` : undefined;
    },
  },
  {
    id: "LL-RBAC-1",
    title: "Tenant roles are namespaced and cannot change the fences or RBAC",
    mtb: "Block modification of resource quotas; Block access to cluster resources",
    fix: "remove write verbs on quotas, limit ranges, network policies and RBAC from the tenant Roles",
    run: (b) => {
      if (b.objects.some((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")) return "cluster-wide RBAC in a tenant bundle";
      for (const role of all(b, "Role")) {
        for (const rule of (get(role, "rules") ?? []) as { resources?: string[]; verbs?: string[] }[]) {
          const fence = (rule.resources ?? []).find((r) => FENCES.includes(r));
          if (fence !== undefined && (rule.verbs ?? []).some((v) => WRITE_VERBS.includes(v))) return `Role ${role.metadata.name} may write ${fence}`;
        }
      }
      return undefined;
    },
  },
  {
    id: "LL-RBAC-2",
    title: "Role bindings name only the tenant's own subjects",
    mtb: "Block access to other tenant resources",
    fix: "bind the tenant's own groups and service accounts only; never system:* groups",
    run: (b) => {
      for (const rb of all(b, "RoleBinding")) {
        for (const s of (get(rb, "subjects") ?? []) as { kind?: string; name?: string; namespace?: string }[]) {
          if ((s.name ?? "").startsWith("system:")) return `RoleBinding ${rb.metadata.name} binds ${s.name ?? ""}`;
          if (s.kind === "ServiceAccount" && s.namespace !== b.namespace) return `RoleBinding ${rb.metadata.name} binds a service account of ${s.namespace ?? "?"}`;
          if ((s.name ?? "").startsWith("landlord:tenant:") && !(s.name ?? "").startsWith(`landlord:tenant:${b.tenant}:`)) return `RoleBinding ${rb.metadata.name} binds another tenant's group ${s.name ?? ""}`;
        }
      }
      return undefined;
    },
  },
  {
    id: "LL-SA-1",
    title: "Service accounts do not mount API tokens by default",
    fix: "set automountServiceAccountToken: false on the tenant's service accounts",
    run: (b) => {
      const open = all(b, "ServiceAccount").filter((sa) => get(sa, "automountServiceAccountToken") !== false);
      return open.length > 0 ? `${open.map((sa) => sa.metadata.name).join(", ")} automount tokens` : undefined;
    },
  },
  {
    id: "LL-SCHED-1",
    title: "Pods of a dedicated-pool tenant select and tolerate only its own pool",
    mtb: "Block use of other tenants' nodes",
    fix: "render nodeSelector and toleration of landlord.dev/tenant=<tenant> for nodepool tenants",
    run: (b) => {
      const spec = get(find(b, "Deployment"), "spec", "template", "spec") as { nodeSelector?: Record<string, string>; tolerations?: { key?: string; value?: string }[] } | undefined;
      const foreign = (spec?.tolerations ?? []).find((t) => t.key === POOL_LABEL && t.value !== b.tenant);
      if (foreign) return `tolerates ${foreign.value ?? ""}'s pool`;
      if (b.placement.nodePool === undefined) return undefined;
      return spec?.nodeSelector?.[POOL_LABEL] === b.tenant ? undefined : "does not select its own pool";
    },
  },
  {
    id: "LL-ING-1",
    title: "Ingress serves only the tenant's domains",
    mtb: "Block access to other tenant resources",
    fix: "render Ingress rules for spec.domains only",
    run: (b) => {
      const allowed = str(get(find(b, "ConfigMap", GUARDRAIL_PARAMS), "data", "hosts")).split(",");
      for (const ing of all(b, "Ingress")) {
        for (const r of (get(ing, "spec", "rules") ?? []) as { host?: string }[]) {
          const host = r.host ?? "";
          if (!allowed.some((d) => host === d || host.endsWith(`.${d}`))) return `Ingress ${ing.metadata.name} serves ${host}`;
        }
      }
      return undefined;
    },
  },
  {
    id: "LL-ADM-1",
    title: "Admission guardrail parameters name this tenant",
    fix: "render ConfigMap landlord-guardrails with the tenant's name, hosts and pool",
    run: (b) => (get(find(b, "ConfigMap", GUARDRAIL_PARAMS), "data", "tenant") === b.tenant ? undefined : "missing or naming another tenant"),
  },
  ...POD_CHECKS,
  ...TENANT_CHECKS,
];

/** The pods a tenant runs, as the reachability model sees them. */
export function podGroups(b: Bundle): PodGroup[] {
  const ns = find(b, "Namespace");
  const namespaceLabels = { ...((get(ns, "metadata", "labels") ?? {}) as Record<string, string>), "kubernetes.io/metadata.name": b.namespace };
  const deployment = find(b, "Deployment");
  const appLabels = (get(deployment, "spec", "template", "metadata", "labels") ?? {}) as Record<string, string>;
  const containers = (get(deployment, "spec", "template", "spec", "containers") ?? []) as { ports?: { containerPort?: number }[] }[];
  const appPorts = containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort ?? 0)).filter((p) => p > 0);
  const base = { tenant: b.tenant, namespace: b.namespace, namespaceLabels };
  return [
    { ...base, name: "app", labels: appLabels, ports: appPorts },
    { ...base, name: "database", labels: { "cnpg.io/cluster": "db", "cnpg.io/podRole": "instance" }, ports: [5432, 8000, 9187] },
    // A Job the tenant admin runs: no platform labels (admission refuses them).
    { ...base, name: "job", labels: {}, ports: [] },
  ];
}

export interface AuditReport {
  readonly checks: readonly CheckResult[];
  readonly paths: readonly Path[];
  readonly failures: number;
}

export function auditBundles(bundles: readonly Bundle[], config: PlatformConfig): AuditReport {
  const checks: CheckResult[] = [];
  for (const b of bundles) {
    for (const c of CHECKS) {
      const problem = c.run(b, config, bundles);
      checks.push({ id: c.id, title: c.title, ...(c.mtb !== undefined ? { mtb: c.mtb } : {}), tenant: b.tenant, pass: problem === undefined, detail: problem ?? "ok", fix: c.fix });
    }
  }
  const paths = reachability(bundles.flatMap(podGroups), policiesOf(bundles.flatMap((b) => b.objects)));
  const failures = checks.filter((c) => !c.pass).length + paths.filter((p) => p.crossTenant && p.allowed).length;
  return { checks, paths, failures };
}
