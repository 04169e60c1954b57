/**
 * The guardrails on rendered package objects, fed what a hostile chart or hostile tenant
 * values could make a chart render. Pure: no Helm needed, every refusal is checked by name.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { renderObjects } from "../../src/render/bundle.js";
import type { RenderContext } from "../../src/render/object.js";
import { acceptPackage } from "../../src/render/package/guardrails.js";
import { BUILTIN_APP_OBJECTS } from "../../src/render/package/names.js";
import type { RenderedDoc } from "../../src/render/package/problems.js";
import { tenantValueProblems } from "../../src/render/package/values.js";
import { packagePlatform, tenants, must } from "./support.js";

const ctxOf = (tier = "small"): RenderContext => {
  const p = packagePlatform();
  const [t] = tenants(p, [["acme", { tier }]]);
  if (!t) throw new Error("fixture");
  return { t, platform: p.config, cloud: {} };
};
const origin = { kind: "helm" as const, display: "chart hostile 1.0.0" };
const IMAGE = "registry.example.com/saas/app:1.0.0";

function container(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "c",
    image: IMAGE,
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "16Mi" } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    ...extra,
  };
}
function podSpec(extra: Record<string, unknown> = {}, c: Record<string, unknown> = {}): Record<string, unknown> {
  return { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [container(c)], ...extra };
}
const deployment = (name: string, spec: Record<string, unknown> = {}, c: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: podSpec(spec, c) } },
});
const web = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } };

function check(objects: Record<string, unknown>[], ctx = ctxOf()): string {
  const docs: RenderedDoc[] = objects.map((object, i) => ({ object, source: `hostile/templates/t${String(i)}.yaml` }));
  const platformObjects = renderObjects(ctx).filter((o) => !BUILTIN_APP_OBJECTS.some(([k, n]) => o.kind === k && o.metadata.name === n));
  try {
    acceptPackage(docs, { ctx, origin, expose: { service: "web", port: "http" }, platformObjects });
    return "accepted";
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
}

describe("guardrails on what a package renders", () => {
  it("accept a well-behaved package and force it into the tenant's namespace with ownership labels", () => {
    const ctx = ctxOf();
    const docs = [deployment("web"), web].map((object) => ({ object }));
    const platformObjects = renderObjects(ctx);
    const out = acceptPackage(docs, { ctx, origin, expose: { service: "web", port: "http" }, platformObjects: platformObjects.filter((o) => o.kind !== "Service" && o.kind !== "Deployment") });
    expect(out.objects.map((o) => [o.metadata.namespace, o.metadata.labels["landlord.dev/tenant"], o.metadata.labels["app.kubernetes.io/managed-by"]])).toEqual([
      ["tenant-acme", "acme", "landlord"],
      ["tenant-acme", "acme", "landlord"],
    ]);
  });

  it("refuse cluster-scoped objects, foreign namespaces, Secrets, NetworkPolicies and unknown kinds", () => {
    const msg = check([
      deployment("web"),
      web,
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "own-the-cluster" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "kube-system" } },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "allow-all" } },
      { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" } },
    ]);
    expect(msg).toContain("chart hostile 1.0.0, hostile/templates/t2.yaml: ClusterRoleBinding/own-the-cluster: cluster-scoped objects are refused");
    expect(msg).toContain("t3.yaml: ConfigMap/x metadata.namespace: the object names namespace 'kube-system'");
    expect(msg).toContain("t4.yaml: Secret/s: Secret is refused: secrets are never rendered into files or Git");
    expect(msg).toContain("t5.yaml: NetworkPolicy/allow-all: NetworkPolicy is refused");
    expect(msg).toContain("t6.yaml: ServiceMonitor/m apiVersion: ServiceMonitor (monitoring.coreos.com/v1) is not a kind app packages may create");
  });

  it("refuse taking over the platform's objects by name (the guardrail parameters, the database's secrets)", () => {
    const msg = check([deployment("web"), web, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "landlord-guardrails" }, data: { hosts: "evil.example.com" } }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "tenant-admin" } }, { apiVersion: "v1", kind: "Service", metadata: { name: "db-rw" }, spec: {} }]);
    expect(msg).toContain("ConfigMap/landlord-guardrails metadata.name: 'landlord-guardrails' is the name of one of the platform's objects");
    expect(msg).toContain("ServiceAccount/tenant-admin metadata.name:");
    expect(msg).toContain("Service/db-rw metadata.name:");
  });

  it("refuse pods outside Pod Security restricted and the admission rules", () => {
    const msg = check([
      deployment("web", { hostNetwork: true, volumes: [{ name: "h", hostPath: { path: "/" } }], tolerations: [{ operator: "Exists" }], nodeSelector: { "landlord.dev/tenant": "other" }, affinity: { nodeAffinity: {} }, priorityClassName: "system-cluster-critical", serviceAccountName: "tenant-admin" }, { securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } }, image: "evil.io/miner:1" }),
      web,
    ]);
    for (const field of [
      "spec.template.spec.hostNetwork",
      "spec.template.spec.volumes[0].hostPath",
      "spec.template.spec.tolerations[0]",
      "spec.template.spec.nodeSelector.landlord.dev/tenant",
      "spec.template.spec.affinity.nodeAffinity",
      "spec.template.spec.priorityClassName",
      "spec.template.spec.serviceAccountName",
      "spec.template.spec.containers[0].image",
      "spec.template.spec.containers[0].securityContext.privileged",
      "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
      "spec.template.spec.containers[0].securityContext.capabilities.drop",
      "spec.template.spec.containers[0].securityContext.capabilities.add",
    ]) {
      expect(msg).toContain(`Deployment/web ${field}:`);
    }
  });

  it("refuse platform labels on pod templates (the database trusts them) and Jobs running as the app's identity", () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { ttlSecondsAfterFinished: 60, template: { metadata: { labels: { "cnpg.io/cluster": "db" } }, spec: { ...podSpec({ serviceAccountName: "app" }), restartPolicy: "Never" } } } };
    const msg = check([deployment("web"), web, job]);
    expect(msg).toContain("Job/j spec.template.metadata.labels.cnpg.io/cluster:");
    expect(msg).toContain("Job/j spec.template.spec.serviceAccountName: pods here may not run as ServiceAccount app");
    expect(msg).toContain("Job/j spec.ttlSecondsAfterFinished:");
  });

  it("refuse Services and Ingresses that leave the isolation rules", () => {
    const msg = check([
      deployment("web"),
      web,
      { apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", selector: { "cnpg.io/cluster": "db" } } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "web.tenant-other.svc" } },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "steal", annotations: { "nginx.ingress.kubernetes.io/server-snippet": "location / {}" } },
        spec: { ingressClassName: "other", rules: [{ host: "victim.example.com", http: { paths: [{ backend: { service: { name: "db-rw" } } }] } }] },
      },
    ]);
    expect(msg).toContain("Service/lb spec.type: Service type LoadBalancer is refused");
    expect(msg).toContain("Service/lb spec.selector.cnpg.io/cluster:");
    expect(msg).toContain("Service/ext spec.type: Service type ExternalName is refused");
    expect(msg).toContain("Ingress/steal spec.rules[0].host: host 'victim.example.com' is not one of the tenant's served domains");
    expect(msg).toContain("Ingress/steal spec.ingressClassName:");
    expect(msg).toContain("Ingress/steal metadata.annotations.nginx.ingress.kubernetes.io/server-snippet:");
    expect(msg).toContain("Ingress/steal spec.rules[0].http.paths[0].backend.service.name: backend Service 'db-rw'");
  });

  it("refuse RBAC that could undo the fences or reach outside the namespace", () => {
    const msg = check([
      deployment("web"),
      web,
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }, { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["delete"] }, { apiGroups: [""], resources: ["configmaps"], verbs: ["update"] }] },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "b" }, roleRef: { kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "Group", name: "system:authenticated" }] },
    ]);
    expect(msg).toContain("Role/r rules[0]: wildcards in a package Role are refused");
    expect(msg).toContain("Role/r rules[1].resources: writing networkpolicies would let the app undo its own fences");
    expect(msg).toContain("Role/r rules[2].resourceNames:");
    expect(msg).toContain("RoleBinding/b roleRef: a package may bind only Roles it renders");
    expect(msg).toContain("RoleBinding/b subjects[0]:");
  });

  it("refuse CronJobs whose runs could pile up, hooks it cannot run, and an exposed Service that is missing", () => {
    const cron = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: "Never" } } } } } };
    const hook = { ...deployment("h"), metadata: { name: "h", annotations: { "helm.sh/hook": "post-delete" } } };
    const msg = check([deployment("web"), cron, hook]);
    expect(msg).toContain("CronJob/c spec.concurrencyPolicy:");
    expect(msg).toContain("Deployment/h metadata.annotations.helm.sh/hook:");
    expect(msg).toContain("chart hostile 1.0.0: app.package.expose.service: the package renders no Service 'web'");
  });

  it("refuse what would reach past the namespace through shared machinery: controller annotations, identities, storage classes, drain-blocking budgets", () => {
    const msg = check([
      deployment("web", { runtimeClassName: "privileged-runc" }),
      web,
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", annotations: { "nginx.ingress.kubernetes.io/auth-url": "http://app.tenant-other.svc/admin" } }, spec: { rules: [{ host: "acme.apps.example.com" }] } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "borrower", annotations: { "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000" } } },
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { storageClassName: "local-hostpath", resources: { requests: { storage: "1Gi" } } } },
      { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "all" }, spec: { maxUnavailable: 0, selector: {} } },
    ]);
    expect(msg).toContain("Deployment/web spec.template.spec.runtimeClassName:");
    expect(msg).toContain("Ingress/i metadata.annotations.nginx.ingress.kubernetes.io/auth-url: ingress controller annotations act inside the shared controller");
    expect(msg).toContain("ServiceAccount/borrower metadata.annotations.azure.workload.identity/client-id:");
    expect(msg).toContain("PersistentVolumeClaim/data spec.storageClassName: storage class 'local-hostpath' is not allowed");
    expect(msg).toContain("PodDisruptionBudget/all spec.selector: a disruption budget over every pod");
    expect(msg).toContain("PodDisruptionBudget/all spec.maxUnavailable: a budget that allows no disruption");
  });

  it("pull every chart container Always, and judge inline ephemeral claims like claims (issue 23, classes 1 and 8)", () => {
    const ctx = ctxOf();
    const out = acceptPackage([deployment("web", {}, { imagePullPolicy: "IfNotPresent" }), web].map((object) => ({ object })), { ctx, origin, expose: { service: "web", port: "http" }, platformObjects: [] });
    const spec = (out.objects[1]?.spec as { template: { spec: { containers: { imagePullPolicy?: string }[] } } }).template.spec;
    expect(spec.containers.map((c) => c.imagePullPolicy)).toEqual(["Always"]);
    // A chart image from an unlisted repository on a listed host is refused, as in a spec.
    expect(check([deployment("web", {}, { image: "registry.example.com/other/app:1" }), web])).toMatch(/registry\.example\.com\/other\/app:1/);
    const scratch = (claim: Record<string, unknown>) => deployment("web", { volumes: [{ name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], ...claim } } } }] });
    expect(check([scratch({ storageClassName: "local-hostpath", resources: { requests: { storage: "1Gi" } } }), web])).toContain(
      "Deployment/web spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName: storage class 'local-hostpath' is not allowed",
    );
    expect(check([scratch({ resources: {} }), web])).toContain("Deployment/web spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.resources.requests.storage: an ephemeral volume claims storage from the tenant's quota, so its size must be set");
    // Counted against the quota: one claim per pod, its size each.
    expect(check([scratch({ resources: { requests: { storage: "500Gi" } } }), web])).toContain("at its peak the package needs storage of 1010Gi, above the tenant's quota of 20Gi: Deployment/web (2 pods: replicas 1 + 1 surge) 1000Gi");
    expect(check([scratch({ resources: { requests: { storage: "1Gi" } } }), web])).toBe("accepted");
  });

  it("place a dedicated-pool tenant's pods on its pool even when the chart forgets", () => {
    const ctx = ctxOf("medium");
    const out = acceptPackage([deployment("web"), web].map((object) => ({ object })), { ctx, origin, expose: { service: "web", port: "http" }, platformObjects: [] });
    const spec = (out.objects[1]?.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(spec.nodeSelector).toEqual({ "landlord.dev/tenant": "acme" });
    expect(spec.tolerations).toEqual([{ key: "landlord.dev/tenant", operator: "Equal", value: "acme", effect: "NoSchedule" }]);
  });
});

describe("tenant values are customer input", () => {
  it("may not set landlord, leave the operator's allow-list or carry secrets", () => {
    const p = packagePlatform("    tenantValues: [web.maxReplicas, worker]\n");
    const [t] = tenants(p, [["acme", { overrides: { app: { values: { landlord: { namespace: "kube-system" }, web: { maxReplicas: 3, extraVolumes: [] }, worker: { token: "ghp_0123456789abcdefghijklmnopqrstuvwxyz0123" } } } } }]]);
    const problems = tenantValueProblems(must(t), must(p.config.app).package).map((x) => `${x.path}: ${x.message}`);
    expect(problems).toEqual([
      "spec.overrides.app.values.landlord.namespace: values under 'landlord' are filled in by Landlord (namespace, domains, database, version)",
      "spec.overrides.app.values.web.extraVolumes: the operator does not let tenants set this value of the app package",
      "spec.overrides.app.values.worker.token: the value looks like a GitHub token, and secrets are never written in specs",
    ]);
  });
});
