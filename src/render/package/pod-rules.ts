/**
 * Rules for every pod template a package renders, checked before anything is applied: a
 * Deployment's pods are refused by admission only later, inside the ReplicaSet controller,
 * where nobody reads the error. They mirror Pod Security "restricted" and the platform's
 * admission policies (docs/adr/0011), so what passes here also passes the API server.
 */
import { imageAllowed } from "../../spec/registries.js";
import { isQuantity } from "../../spec/quantity.js";
import { EVICTION_TAINTS, MAX_TOLERATION_SECONDS, NEUTRAL_NODE_LABELS, nodeSelectorAllowed, POOL_LABEL, tolerationAllowed } from "../kubernetes/scheduling.js";
import { list, obj, str, type Json, type Report } from "./problems.js";

/** Pod Security "restricted": the only volume types allowed. */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
/** Labels the platform's network policies and tools select on (the jobs admission policy refuses them too). */
export const RESERVED_LABEL_PREFIXES = ["cnpg.io/", "landlord.dev/", "app.kubernetes.io/managed-by"];

export interface PodContext {
  readonly tenant: string;
  readonly dedicatedPool: boolean;
  readonly registries: readonly string[];
  readonly priorityClasses: readonly string[];
  /** ServiceAccounts this pod may run as (Jobs: only the namespace's default). */
  readonly serviceAccounts: ReadonlySet<string>;
  readonly serviceAccountFix: string;
}

function containersOf(spec: Json): [string, Json][] {
  const out: [string, Json][] = [];
  for (const key of ["initContainers", "containers", "ephemeralContainers"] as const) {
    list(spec[key]).forEach((c, i) => out.push([`${key}[${String(i)}]`, obj(c)]));
  }
  return out;
}

/** `at` is the path of the pod spec in the object, e.g. spec.template.spec. */
export function checkPodSpec(spec: Json, templateLabels: Json, at: string, p: PodContext, report: Report): void {
  for (const key of Object.keys(templateLabels)) {
    if (RESERVED_LABEL_PREFIXES.some((x) => key.startsWith(x))) {
      report(`${at.replace(/\.spec$/, "")}.metadata.labels.${key}`, "pod labels under cnpg.io/, landlord.dev/ and app.kubernetes.io/managed-by are the platform's: the database's network policy trusts them", "use labels of your own, e.g. app.kubernetes.io/name");
    }
  }
  for (const key of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[key] === true) report(`${at}.${key}`, "tenant pods may not use the node's network, process or IPC namespaces", `remove ${key}`);
  }
  list(spec.volumes).forEach((v, i) => {
    const vol = obj(v);
    const type = Object.keys(vol).find((k) => k !== "name");
    if (type === "hostPath") report(`${at}.volumes[${String(i)}].hostPath`, "tenant pods may not mount hostPath volumes (the node's file system)", "use an emptyDir, a ConfigMap or a PersistentVolumeClaim");
    else if (type !== undefined && !RESTRICTED_VOLUMES.has(type)) report(`${at}.volumes[${String(i)}].${type}`, `volume type ${type} is not allowed by Pod Security "restricted"`, `use one of ${[...RESTRICTED_VOLUMES].join(", ")}`);
  });
  if (spec.nodeName !== undefined) report(`${at}.nodeName`, "tenant pods may not name their node", "remove nodeName; the scheduler places pods");
  if (obj(spec.affinity).nodeAffinity !== undefined) report(`${at}.affinity.nodeAffinity`, "node affinity is not allowed: placement is the platform's (the tenant's node pool)", "remove nodeAffinity; use landlord.nodeSelector and landlord.tolerations from the values");
  for (const [key, value] of Object.entries(obj(spec.nodeSelector))) {
    if (!nodeSelectorAllowed(key, value, p.tenant)) report(`${at}.nodeSelector.${key}`, `tenant pods may select only their own node pool (${POOL_LABEL}) and ${NEUTRAL_NODE_LABELS.join(", ")}`, "remove it, or use the value landlord.nodeSelector");
  }
  list(spec.tolerations).forEach((raw, i) => {
    if (!tolerationAllowed(obj(raw), p.tenant)) {
      report(`${at}.tolerations[${String(i)}]`, `tenant pods may tolerate only their own node pool's taint, and ${EVICTION_TAINTS.join(" or ")} for at most ${String(MAX_TOLERATION_SECONDS)} s (no wildcard tolerations, no system pool)`, "use the value landlord.tolerations");
    }
  });
  if (spec.runtimeClassName !== undefined) report(`${at}.runtimeClassName`, "tenant pods run in the nodes' default runtime", "remove runtimeClassName");
  const pc = str(spec.priorityClassName);
  if (pc !== undefined && !p.priorityClasses.includes(pc)) report(`${at}.priorityClassName`, `PriorityClass ${pc} is not allowed for tenants (allowed: ${p.priorityClasses.join(", ") || "none"})`, "remove priorityClassName, or ask the operator to add it to policy.allowedPriorityClasses");
  const sa = str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? "default";
  if (!p.serviceAccounts.has(sa)) report(`${at}.serviceAccountName`, `pods here may not run as ServiceAccount ${sa}`, p.serviceAccountFix);

  const podSec = obj(spec.securityContext);
  if (list(podSec.sysctls).length > 0) report(`${at}.securityContext.sysctls`, "sysctls are not allowed for tenant pods", "remove them");
  if (podSec.runAsUser === 0) report(`${at}.securityContext.runAsUser`, 'Pod Security "restricted" refuses running as root (uid 0)', "run as a non-zero uid");
  if (obj(podSec.windowsOptions).hostProcess === true) report(`${at}.securityContext.windowsOptions.hostProcess`, "host processes are not allowed", "remove it");
  const podNonRoot = podSec.runAsNonRoot === true;
  const podSeccomp = str(obj(podSec.seccompProfile).type);
  if (podSeccomp !== undefined && podSeccomp !== "RuntimeDefault" && podSeccomp !== "Localhost") report(`${at}.securityContext.seccompProfile.type`, `seccomp profile ${podSeccomp} is not allowed by Pod Security "restricted"`, "use RuntimeDefault");

  for (const [cpath, c] of containersOf(spec)) {
    const where = `${at}.${cpath}`;
    const name = str(c.name) ?? cpath;
    const image = str(c.image) ?? "";
    if (!imageAllowed(image, p.registries)) report(`${where}.image`, `image '${image}' of container ${name} is not from an allowed registry (${p.registries.join(", ")})`, "use an image from those registries, or ask the operator to add its registry to policy.allowedRegistries");
    const sc = obj(c.securityContext);
    if (sc.privileged === true) report(`${where}.securityContext.privileged`, "privileged containers are not allowed", "remove privileged");
    if (sc.allowPrivilegeEscalation !== false) report(`${where}.securityContext.allowPrivilegeEscalation`, `container ${name} must set allowPrivilegeEscalation: false (Pod Security "restricted")`, "set securityContext.allowPrivilegeEscalation: false");
    const caps = obj(sc.capabilities);
    if (!list(caps.drop).includes("ALL")) report(`${where}.securityContext.capabilities.drop`, `container ${name} must drop ALL capabilities (Pod Security "restricted")`, 'set securityContext.capabilities.drop: ["ALL"]');
    const added = list(caps.add).filter((x) => x !== "NET_BIND_SERVICE");
    if (added.length > 0) report(`${where}.securityContext.capabilities.add`, `capabilities ${added.map(String).join(", ")} are not allowed (only NET_BIND_SERVICE)`, "remove them");
    const nonRoot = sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false);
    if (!nonRoot) report(`${where}.securityContext.runAsNonRoot`, `container ${name} must run as non-root (runAsNonRoot: true on the pod or the container)`, "set securityContext.runAsNonRoot: true");
    if (sc.runAsUser === 0) report(`${where}.securityContext.runAsUser`, 'Pod Security "restricted" refuses running as root (uid 0)', "run as a non-zero uid");
    const seccomp = str(obj(sc.seccompProfile).type) ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") report(`${where}.securityContext.seccompProfile`, `container ${name} needs seccompProfile RuntimeDefault (on the pod or the container)`, "set securityContext.seccompProfile.type: RuntimeDefault");
    list(c.ports).forEach((port, i) => {
      if (obj(port).hostPort !== undefined && obj(port).hostPort !== 0) report(`${where}.ports[${String(i)}].hostPort`, "host ports are not allowed", "remove hostPort; traffic comes through the Service and the shared ingress");
    });
    if (cpath.startsWith("ephemeralContainers")) continue;
    const res = obj(c.resources);
    for (const [kind, key] of [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]] as const) {
      const v = obj(res[kind])[key];
      const text = typeof v === "number" ? String(v) : str(v);
      if (text === undefined) report(`${where}.resources.${kind}.${key}`, `container ${name} sets no ${kind}.${key}: the tenant's quota is checked at the package's peak, which needs it`, `set resources.${kind}.${key} (e.g. from the value landlord.resources)`);
      else if (!isQuantity(text)) report(`${where}.resources.${kind}.${key}`, `'${text}' is not a Kubernetes quantity`, "write e.g. '250m' or '256Mi'");
    }
  }
}
