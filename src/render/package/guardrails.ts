/**
 * Guardrails on whatever a package renders, whatever values it was given (tenant values are
 * customer input): only namespaced kinds an app needs, every object in the tenant's
 * namespace and labelled as the tenant's, nothing that collides with the platform's own
 * objects, pods within Pod Security "restricted" and the admission policies, RBAC that
 * cannot touch the fences, Services and Ingresses the isolation rules allow, and the peak
 * within the tenant's quota. Every problem is reported at once, each naming the package,
 * the template, the object and the field; nothing is applied when any is found.
 */
import { InputError, type InputProblem } from "../../errors.js";
import { allowedRegistries, imageAllowed } from "../../spec/registries.js";
import { isQuantity } from "../../spec/quantity.js";
import { allowedStorageClasses } from "../../spec/storage-classes.js";
import { ADMIN_SERVICE_ACCOUNT } from "../kubernetes/rbac.js";
import { scheduling } from "../kubernetes/scheduling.js";
import { APP, ownershipLabels, type KubeObject, type RenderContext } from "../object.js";
import { quotaProblems } from "./footprint.js";
import { checkPodSpec, RESERVED_LABEL_PREFIXES, type PodContext } from "./pod-rules.js";
import { list, obj, reporter, str, type Json, type RenderedDoc, type Report } from "./problems.js";
import type { PackageOrigin } from "./types.js";

/** Kinds an app package may create, by apiVersion. Anything else is refused with this list. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  v1: ["ConfigMap", "Service", "ServiceAccount", "PersistentVolumeClaim"],
  "apps/v1": ["Deployment", "StatefulSet"],
  "batch/v1": ["Job", "CronJob"],
  "autoscaling/v2": ["HorizontalPodAutoscaler"],
  "policy/v1": ["PodDisruptionBudget"],
  "networking.k8s.io/v1": ["Ingress"],
  "rbac.authorization.k8s.io/v1": ["Role", "RoleBinding"],
};
const ALLOWED_TEXT = Object.entries(ALLOWED).map(([v, ks]) => `${ks.join(", ")} (${v})`).join("; ");

const CLUSTER_SCOPED = new Set([
  "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PriorityClass",
  "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "APIService", "CertificateSigningRequest", "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
  "ClusterIssuer", "ClusterSecretStore", "FlowSchema", "PriorityLevelConfiguration",
]);

/** Kinds refused with their own reason (the generic "not allowed" would not say what to do). */
const REFUSED_WITH_REASON: Readonly<Record<string, [string, string]>> = {
  Secret: ["secrets are never rendered into files or Git", "keep secrets in the tenant's Key Vault (integrations.keyVault.secrets); Landlord materialises them as Secret app-secrets, and the database's as db-app"],
  NetworkPolicy: ["network policies are the platform's (default deny, same-namespace traffic allowed, the shared ingress to the exposed Service)", "remove it; ask the operator if the app needs another path"],
  Pod: ["bare pods are not part of an app release", "use a Deployment or a Job (helm test pods are skipped)"],
};

/** Helm hooks Landlord runs: Jobs with these are migrations, applied and waited for before the new version. */
const MIGRATION_HOOKS = new Set(["pre-install", "pre-upgrade"]);

/** RBAC: resources whose writes would let the app undo its own fences. */
const FENCE_RESOURCES = new Set(["resourcequotas", "limitranges", "networkpolicies", "roles", "rolebindings", "serviceaccounts", "serviceaccounts/token", "namespaces", "pods/exec", "pods/attach", "pods/portforward", "pods/ephemeralcontainers"]);
const READ_VERBS = new Set(["get", "list", "watch"]);

/** Names the platform keeps for itself in every tenant namespace, whatever the kind. */
function reservedName(name: string): boolean {
  return name === "db" || name.startsWith("db-") || name.startsWith("landlord-") || name === "app-secrets" || name === "app-tls" || name === "tenant-vault";
}

export interface GuardrailInput {
  readonly ctx: RenderContext;
  readonly origin: PackageOrigin;
  readonly expose: { readonly service: string; readonly port: number | string };
  /** The platform's own objects of this tenant, as "Kind/name". */
  readonly platformObjects: readonly KubeObject[];
}

export interface Accepted {
  readonly objects: KubeObject[];
  readonly migrations: string[];
}

const KIND_ORDER = ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "PersistentVolumeClaim", "Job", "Service", "Deployment", "StatefulSet", "CronJob", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress"];

function hooksOf(o: Json): string[] {
  const text = str(obj(obj(o.metadata).annotations)["helm.sh/hook"]);
  return text === undefined ? [] : text.split(",").map((h) => h.trim()).filter((h) => h !== "");
}

/** Adds the tenant's node pool placement to a pod spec that lacks it (a dedicated-pool tenant's pods must carry it). */
function placed(spec: Json, ctx: RenderContext): Json {
  const pulled = pullAlways(spec, ctx.platform.policy.platformImageRepositories);
  const s = scheduling(ctx.t);
  if (s.nodeSelector === undefined) return pulled;
  const tolerations = list(pulled.tolerations);
  const own = s.tolerations ?? [];
  const missing = own.filter((t) => !tolerations.some((x) => obj(x).key === t.key && obj(x).value === t.value));
  return { ...pulled, nodeSelector: { ...obj(pulled.nodeSelector), ...s.nodeSelector }, tolerations: [...tolerations, ...missing] };
}

/**
 * Charts commonly ship `pullPolicy: IfNotPresent`; on a shared node that would run another
 * tenant's cached private image unasked, so the platform sets Always (admission requires it).
 */
function pullAlways(spec: Json, platformRepositories: readonly string[]): Json {
  const out: Json = { ...spec };
  for (const key of ["initContainers", "containers"] as const) {
    if (spec[key] === undefined) continue;
    out[key] = list(spec[key]).map((c) => {
      const container = obj(c);
      return imageAllowed(str(container.image) ?? "", platformRepositories) ? container : { ...container, imagePullPolicy: "Always" };
    });
  }
  return out;
}

/** The object as it will be applied: in the tenant's namespace, with ownership labels, placed. */
function normalise(o: Json, ctx: RenderContext): KubeObject {
  const metadata = obj(o.metadata);
  const labels = { ...(obj(metadata.labels) as Record<string, string>), ...ownershipLabels(ctx.t) };
  const out: Json = { ...o, metadata: { ...metadata, namespace: ctx.t.names.namespace, labels } };
  const spec = obj(o.spec);
  if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "Job") {
    const template = obj(spec.template);
    out.spec = { ...spec, template: { ...template, spec: placed(obj(template.spec), ctx) } };
  } else if (o.kind === "CronJob") {
    const jt = obj(spec.jobTemplate);
    const js = obj(jt.spec);
    const template = obj(js.template);
    out.spec = { ...spec, jobTemplate: { ...jt, spec: { ...js, template: { ...template, spec: placed(obj(template.spec), ctx) } } } };
  }
  return out as unknown as KubeObject;
}

function withinDomains(host: string, domains: readonly string[]): boolean {
  const h = host.toLowerCase();
  return domains.some((d) => h === d.toLowerCase() || h.endsWith(`.${d.toLowerCase()}`));
}

/** Checks every rendered document; returns the normalised objects or throws an InputError with every problem. */
export function acceptPackage(docs: readonly RenderedDoc[], input: GuardrailInput): Accepted {
  const { ctx, origin } = input;
  const { t, platform } = ctx;
  const ns = t.names.namespace;
  const problems: InputProblem[] = [];
  const platformKeys = new Set(input.platformObjects.map((o) => `${o.kind}/${o.metadata.name}`));
  const seen = new Set<string>();
  const accepted: { doc: RenderedDoc; report: Report }[] = [];

  for (const doc of docs) {
    const o = doc.object;
    const report = reporter(origin, doc, problems);
    const apiVersion = str(o.apiVersion);
    const kind = str(o.kind);
    const name = str(obj(o.metadata).name);
    if (apiVersion === undefined || kind === undefined || name === undefined || name === "") {
      report("", "a rendered document is not a Kubernetes object (apiVersion, kind and metadata.name are required)", "fix the template");
      continue;
    }
    if (CLUSTER_SCOPED.has(kind)) {
      report("", `cluster-scoped objects are refused: a tenant's package may create objects only inside its namespace ${ns}`, "remove it from the package; cluster-wide setup belongs to the operator (landlord bootstrap)");
      continue;
    }
    const reason = REFUSED_WITH_REASON[kind];
    if (reason !== undefined) {
      report("", `${kind} is refused: ${reason[0]}`, reason[1]);
      continue;
    }
    if (!(ALLOWED[apiVersion] ?? []).includes(kind)) {
      report("apiVersion", `${kind} (${apiVersion}) is not a kind app packages may create`, `allowed: ${ALLOWED_TEXT}`);
      continue;
    }
    const declared = str(obj(o.metadata).namespace);
    if (declared !== undefined && declared !== ns) {
      report("metadata.namespace", `the object names namespace '${declared}'; a tenant's package lives only in ${ns}`, "remove metadata.namespace (or use .Release.Namespace)");
      continue;
    }
    const key = `${kind}/${name}`;
    if (platformKeys.has(key) || reservedName(name)) {
      report("metadata.name", `'${name}' is the name of one of the platform's objects in the tenant's namespace`, "rename it (names db, db-*, landlord-*, app-secrets, app-tls, tenant-vault and the platform's own objects are taken)");
      continue;
    }
    if (seen.has(key)) {
      report("metadata.name", "the package renders this object twice", "give each object its own name");
      continue;
    }
    seen.add(key);
    accepted.push({ doc, report });
  }

  const packageSAs = new Set(accepted.filter((a) => a.doc.object.kind === "ServiceAccount").map((a) => String(obj(a.doc.object.metadata).name)));
  const packageRoles = new Set(accepted.filter((a) => a.doc.object.kind === "Role").map((a) => String(obj(a.doc.object.metadata).name)));
  const workloads = new Set(accepted.filter((a) => ["Deployment", "StatefulSet"].includes(String(a.doc.object.kind))).map((a) => `${String(a.doc.object.kind)}/${String(obj(a.doc.object.metadata).name)}`));
  const services = new Map(accepted.filter((a) => a.doc.object.kind === "Service").map((a) => [String(obj(a.doc.object.metadata).name), obj(a.doc.object.spec)]));
  const registries = allowedRegistries(platform);
  const pod = (sas: Set<string>, fix: string): PodContext => ({
    tenant: t.tenant.metadata.name,
    dedicatedPool: t.placement.nodePool !== undefined,
    registries,
    priorityClasses: platform.policy.allowedPriorityClasses,
    serviceAccounts: sas,
    serviceAccountFix: fix,
  });
  const workloadPods = pod(new Set(["default", APP, ...packageSAs]), `use the value landlord.serviceAccountName (${APP}), 'default', or a ServiceAccount the package creates (never ${ADMIN_SERVICE_ACCOUNT})`);
  // The jobs admission policy lets Jobs run only as the namespace's default account.
  const jobPods = pod(new Set(["default"]), "remove serviceAccountName: Jobs and CronJobs run as the namespace's default ServiceAccount");

  const classes = allowedStorageClasses(platform);
  const storageClass = (claim: Json, field: string, report: Report) => {
    const cls = str(claim.storageClassName);
    if (cls !== undefined && !classes.includes(cls)) report(field, `storage class '${cls}' is not allowed for tenant volumes`, `${classes.length > 0 ? `use one of ${classes.join(", ")}, or` : ""} leave it unset for the cluster default; the operator can allow more in policy.allowedStorageClasses`);
  };
  const ephemeralClaims = (podSpec: Json, at: string, report: Report) => {
    list(podSpec.volumes).forEach((v, i) => {
      const claim = obj(obj(obj(v).ephemeral).volumeClaimTemplate);
      if (Object.keys(claim).length === 0) return;
      const field = `${at}.volumes[${String(i)}].ephemeral.volumeClaimTemplate.spec`;
      storageClass(obj(claim.spec), `${field}.storageClassName`, report);
      const size = str(obj(obj(obj(claim.spec).resources).requests).storage);
      if (size === undefined || !isQuantity(size)) report(`${field}.resources.requests.storage`, "an ephemeral volume claims storage from the tenant's quota, so its size must be set", "set resources.requests.storage (e.g. '1Gi')");
    });
  };
  const migrations: string[] = [];
  const objects: KubeObject[] = [];
  for (const { doc, report } of accepted) {
    const normalised = normalise(doc.object, ctx);
    const o = normalised as unknown as Json;
    const kind = String(o.kind);
    const name = String(obj(o.metadata).name);
    const spec = obj(o.spec);
    const hooks = hooksOf(o);
    if (hooks.length > 0) {
      const unsupported = hooks.filter((h) => !MIGRATION_HOOKS.has(h));
      if (kind !== "Job" || unsupported.length > 0) {
        report("metadata.annotations.helm.sh/hook", `hook '${hooks.join(",")}' on a ${kind} is not something Landlord runs: only Jobs with pre-install/pre-upgrade (migrations, run before the new version)`, "make it a pre-install,pre-upgrade Job, or a plain object without the hook annotation");
      } else {
        migrations.push(name);
      }
    }
    switch (kind) {
      case "Deployment":
      case "StatefulSet":
        checkPodSpec(obj(obj(spec.template).spec), obj(obj(obj(spec.template).metadata).labels), "spec.template.spec", workloadPods, report);
        ephemeralClaims(obj(obj(spec.template).spec), "spec.template.spec", report);
        list(spec.volumeClaimTemplates).forEach((c, i) => {
          storageClass(obj(obj(c).spec), `spec.volumeClaimTemplates[${String(i)}].spec.storageClassName`, report);
        });
        break;
      case "Job":
        checkPodSpec(obj(obj(spec.template).spec), obj(obj(obj(spec.template).metadata).labels), "spec.template.spec", jobPods, report);
        ephemeralClaims(obj(obj(spec.template).spec), "spec.template.spec", report);
        // A Job the cluster deletes is missing at the next reconcile, which creates it again: a migration would run again.
        if (spec.ttlSecondsAfterFinished !== undefined) report("spec.ttlSecondsAfterFinished", "a Job the cluster deletes after it finished would be created (and run) again by the next reconcile", "remove ttlSecondsAfterFinished; the Job goes when the package stops rendering it");
        break;
      case "CronJob": {
        const policy = spec.concurrencyPolicy ?? "Allow";
        if (policy === "Allow") report("spec.concurrencyPolicy", "with concurrencyPolicy Allow, slow runs pile up without bound and the quota cannot be checked at the peak", "set spec.concurrencyPolicy: Forbid (or Replace)");
        const template = obj(obj(obj(spec.jobTemplate).spec).template);
        checkPodSpec(obj(template.spec), obj(obj(template.metadata).labels), "spec.jobTemplate.spec.template.spec", jobPods, report);
        ephemeralClaims(obj(template.spec), "spec.jobTemplate.spec.template.spec", report);
        break;
      }
      case "Service": {
        const type = str(spec.type) ?? "ClusterIP";
        if (type !== "ClusterIP") report("spec.type", `Service type ${type} is refused: tenants are reached through the shared ingress only`, "use type ClusterIP; Landlord's Ingress routes the tenant's domains to app.package.expose");
        if (list(spec.externalIPs).length > 0) report("spec.externalIPs", "services may not claim external IPs", "remove externalIPs");
        for (const k of Object.keys(obj(spec.selector))) {
          if (RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p))) report(`spec.selector.${k}`, "a package's Service may not select pods by the platform's labels (it would reach the database)", "select the package's own pods by its own labels");
        }
        break;
      }
      case "Ingress": {
        const className = str(spec.ingressClassName);
        if (className !== undefined && className !== platform.integrations.ingress.className) report("spec.ingressClassName", `ingress class '${className}' is not the platform's (${platform.integrations.ingress.className})`, "remove ingressClassName, or use the platform's class");
        if (className === undefined) normalised.spec = { ...spec, ingressClassName: platform.integrations.ingress.className };
        list(spec.rules).forEach((r, i) => {
          const host = str(obj(r).host);
          if (host === undefined || !withinDomains(host, t.domains.served)) report(`spec.rules[${String(i)}].host`, `host '${host ?? "(any)"}' is not one of the tenant's served domains (${t.domains.served.join(", ")}) or a name under them`, "use the value landlord.domains");
          list(obj(obj(r).http).paths).forEach((p, j) => {
            const svc = str(obj(obj(obj(p).backend).service).name);
            if (svc !== undefined && !services.has(svc)) report(`spec.rules[${String(i)}].http.paths[${String(j)}].backend.service.name`, `backend Service '${svc}' is not one the package renders`, "route only to the package's own Services");
          });
        });
        list(spec.tls).forEach((tls, i) => {
          list(obj(tls).hosts).forEach((h, j) => {
            if (typeof h !== "string" || !withinDomains(h, t.domains.served)) report(`spec.tls[${String(i)}].hosts[${String(j)}]`, "TLS hosts must be the tenant's own domains", "use the value landlord.domains");
          });
        });
        if (spec.defaultBackend !== undefined) report("spec.defaultBackend", "a default backend would catch hosts that are not the tenant's", "remove defaultBackend; use rules with the tenant's hosts");
        for (const k of Object.keys(obj(obj(o.metadata).annotations))) {
          // Controller annotations act inside the shared ingress controller (snippets, auth-url
          // calls, upstream rewrites), which reaches every tenant: outside this tenant's fence.
          if (/snippet/i.test(k) || /(^|\.)ingress\.kubernetes\.io\//.test(k) || /^(haproxy|traefik)\./.test(k)) report(`metadata.annotations.${k}`, "ingress controller annotations act inside the shared controller, outside the tenant's fence", "remove the annotation; ask the operator for the behaviour on the platform's Ingress");
        }
        break;
      }
      case "Role":
        list(o.rules).forEach((raw, i) => {
          const rule = obj(raw);
          const verbs = list(rule.verbs).map(String);
          const resources = list(rule.resources).map(String);
          const groups = list(rule.apiGroups).map(String);
          if ([...verbs, ...resources, ...groups].includes("*")) report(`rules[${String(i)}]`, "wildcards in a package Role are refused", "list the API groups, resources and verbs the app needs");
          for (const v of ["escalate", "bind", "impersonate"]) if (verbs.includes(v)) report(`rules[${String(i)}].verbs`, `verb ${v} is refused`, "remove it");
          const writes = verbs.some((v) => !READ_VERBS.has(v));
          const fenced = resources.filter((r) => FENCE_RESOURCES.has(r));
          if (writes && fenced.length > 0) report(`rules[${String(i)}].resources`, `writing ${fenced.join(", ")} would let the app undo its own fences`, "grant only get, list and watch on those, or drop them");
          if (fenced.some((r) => r.startsWith("pods/"))) report(`rules[${String(i)}].resources`, `${fenced.filter((r) => r.startsWith("pods/")).join(", ")} are refused`, "remove them");
          if (writes && resources.includes("configmaps") && list(rule.resourceNames).length === 0) report(`rules[${String(i)}].resourceNames`, "writing every ConfigMap would include the platform's guardrail parameters (landlord-guardrails)", "list the ConfigMaps the app writes in resourceNames");
          if (list(rule.resourceNames).some((n) => typeof n === "string" && reservedName(n))) report(`rules[${String(i)}].resourceNames`, "a package Role may not name the platform's objects", "remove those names");
        });
        break;
      case "RoleBinding": {
        const ref = obj(o.roleRef);
        if (ref.kind !== "Role" || !packageRoles.has(String(ref.name))) report("roleRef", `a package may bind only Roles it renders (got ${String(ref.kind)} ${String(ref.name)})`, "bind a Role of the package");
        list(o.subjects).forEach((raw, i) => {
          const s = obj(raw);
          const sns = str(s.namespace) ?? ns;
          if (s.kind !== "ServiceAccount" || sns !== ns) report(`subjects[${String(i)}]`, "a package may bind only ServiceAccounts of the tenant's own namespace", "bind the app's ServiceAccounts");
          else if (s.name === ADMIN_SERVICE_ACCOUNT) report(`subjects[${String(i)}].name`, `${ADMIN_SERVICE_ACCOUNT} is the platform's`, "bind the app's ServiceAccounts");
        });
        break;
      }
      case "PersistentVolumeClaim":
        storageClass(spec, "spec.storageClassName", report);
        break;
      case "ServiceAccount":
        for (const k of Object.keys(obj(obj(o.metadata).annotations))) {
          if (k.startsWith("azure.workload.identity/")) report(`metadata.annotations.${k}`, "cloud identities are bound by the platform (the app ServiceAccount)", "use the value landlord.serviceAccountName");
        }
        break;
      case "PodDisruptionBudget": {
        const sel = obj(spec.selector);
        const keys = [...Object.keys(obj(sel.matchLabels)), ...list(sel.matchExpressions).map((e) => String(obj(e).key))];
        if (keys.length === 0) report("spec.selector", "a disruption budget over every pod of the namespace would hold the database's pods too", "select the package's own pods");
        for (const k of keys) if (RESERVED_LABEL_PREFIXES.some((x) => k.startsWith(x))) report(`spec.selector`, `selecting by ${k} would reach the platform's pods`, "select the package's own pods by its own labels");
        if (spec.maxUnavailable === 0 || spec.maxUnavailable === "0%" || spec.minAvailable === "100%") report(spec.maxUnavailable !== undefined ? "spec.maxUnavailable" : "spec.minAvailable", "a budget that allows no disruption blocks every node drain and cluster upgrade", "allow at least one pod to be disrupted (e.g. maxUnavailable: 1)");
        break;
      }
      case "HorizontalPodAutoscaler": {
        const ref = obj(spec.scaleTargetRef);
        if (!workloads.has(`${String(ref.kind)}/${String(ref.name)}`)) report("spec.scaleTargetRef", `the autoscaler targets ${String(ref.kind)}/${String(ref.name)}, which the package does not render`, "target one of the package's Deployments or StatefulSets");
        break;
      }
      default:
        break;
    }
    objects.push(normalised);
  }

  const exposed = services.get(input.expose.service);
  if (exposed === undefined) {
    problems.push({ file: origin.display, path: "app.package.expose.service", message: `the package renders no Service '${input.expose.service}' for Landlord's Ingress to route the tenant's domains to`, fix: `set app.package.expose to one of the package's Services (${[...services.keys()].join(", ") || "it renders none"})` });
  } else {
    const port = input.expose.port;
    const ports = list(exposed.ports).map(obj);
    if (!ports.some((p) => (typeof port === "number" ? p.port === port : p.name === port))) problems.push({ file: origin.display, path: "app.package.expose.port", message: `Service '${input.expose.service}' has no port ${String(port)}`, fix: `use one of its ports (${ports.map((p) => String(p.name ?? p.port)).join(", ")})` });
    if (Object.keys(obj(exposed.selector)).length === 0) problems.push({ file: origin.display, path: "app.package.expose.service", message: `Service '${input.expose.service}' selects no pods by label, so the ingress controller's network policy could not name them`, fix: "give the Service a selector" });
  }

  // Also when other problems were found: every problem is reported at once (an unreadable quantity counts as zero here and is reported above).
  {
    const sources = new Map(accepted.map((a) => [`${String(a.doc.object.kind)}/${String(obj(a.doc.object.metadata).name)}`, a.doc.source]));
    for (const q of quotaProblems(t.effective, objects)) {
      const source = sources.get(q.key);
      problems.push({ file: source === undefined ? origin.display : `${origin.display}, ${source}`, path: q.field, message: q.message, fix: "lower replicas, the HPA ceiling or resources in the values, or move the tenant to a tier with a bigger quota" });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i === -1 ? KIND_ORDER.length : i;
  };
  objects.sort((a, b) => rank(a.kind) - rank(b.kind) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  return { objects, migrations: migrations.sort() };
}
