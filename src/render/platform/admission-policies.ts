/**
 * Guardrails in the API server of every cluster, for what RBAC cannot say: CEL
 * ValidatingAdmissionPolicies (no webhook that could take the cluster down when it is
 * away), bound to every namespace Landlord manages, with the tenant's own parameters
 * (ConfigMap landlord-guardrails in its namespace; missing parameters deny).
 */
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { allowedRegistries, celImageAllowed } from "../../spec/registries.js";
import { EVICTION_TAINTS, MAX_TOLERATION_SECONDS, NEUTRAL_NODE_LABELS, POOL_LABEL } from "../kubernetes/scheduling.js";
import { GUARDRAIL_PARAMS } from "../kubernetes/guardrail-params.js";
import { LABEL, type KubeObject } from "../object.js";

interface Validation {
  readonly expression: string;
  readonly message: string;
  readonly reason?: "Forbidden" | "Invalid";
}

const cel = (s: string): string => JSON.stringify(s);
const celList = (xs: readonly string[]): string => `[${xs.map(cel).join(", ")}]`;

const labels = { [LABEL.managedBy]: "landlord", "app.kubernetes.io/component": "guardrails" };

function policy(name: string, resources: { apiGroups: string[]; resources: string[] }, validations: Validation[], variables: { name: string; expression: string }[] = []): KubeObject[] {
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name, labels },
      spec: {
        failurePolicy: "Fail",
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        matchConstraints: { resourceRules: [{ ...resources, apiVersions: ["*"], operations: ["CREATE", "UPDATE"] }] },
        ...(variables.length > 0 ? { variables } : {}),
        validations: validations.map((v) => ({ reason: "Forbidden", ...v })),
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name, labels },
      spec: {
        policyName: name,
        validationActions: ["Deny"],
        // Unset namespace: the parameters are read from the namespace of the object admitted.
        paramRef: { name: GUARDRAIL_PARAMS, parameterNotFoundAction: "Deny" },
        matchResources: { namespaceSelector: { matchLabels: { [LABEL.managedBy]: "landlord" } } },
      },
    },
  ];
}

/** Every container of a pod spec (`spec` is a CEL expression for it). */
const containersOf = (spec: string) =>
  `${spec}.containers + (has(${spec}.initContainers) ? ${spec}.initContainers : []) + (has(${spec}.ephemeralContainers) ? ${spec}.ephemeralContainers : [])`;

/** Pod rules, for pods and for the pod templates tenants can write (Jobs, CronJobs). */
function podSpecRules(spec: string, registries: readonly string[], platformRepositories: readonly string[], priorityClasses: readonly string[], exempt: { dedicatedPool?: string } = {}): Validation[] {
  const key = cel(POOL_LABEL);
  return [
    {
      expression: `!(has(${spec}.hostNetwork) && ${spec}.hostNetwork) && !(has(${spec}.hostPID) && ${spec}.hostPID) && !(has(${spec}.hostIPC) && ${spec}.hostIPC)`,
      message: "tenant pods may not use the node's network, process or IPC namespaces",
    },
    {
      expression: `!has(${spec}.volumes) || ${spec}.volumes.all(v, !has(v.hostPath))`,
      message: "tenant pods may not mount hostPath volumes",
    },
    {
      // tolerationAllowed in CEL (an allow-list; see there).
      expression: `!has(${spec}.tolerations) || ${spec}.tolerations.all(t, (has(t.key) && t.key == ${key} && has(t.value) && t.value == params.data.tenant && (!has(t.operator) || t.operator == "Equal") && (!has(t.effect) || t.effect == "NoSchedule")) || (has(t.key) && t.key in ${celList(EVICTION_TAINTS)} && has(t.effect) && t.effect == "NoExecute" && has(t.tolerationSeconds) && t.tolerationSeconds <= ${String(MAX_TOLERATION_SECONDS)}))`,
      message: `tenant pods may tolerate only their own node pool's taint, and ${EVICTION_TAINTS.join(" or ")} for at most ${String(MAX_TOLERATION_SECONDS)} s (no wildcard tolerations, no system pool)`,
    },
    {
      // nodeSelectorAllowed in CEL: a hostname or another pool's label would pin pods to a node not theirs.
      expression: `!has(${spec}.nodeSelector) || ${spec}.nodeSelector.all(k, k in ${celList(NEUTRAL_NODE_LABELS)} || (k == ${key} && ${spec}.nodeSelector[k] == params.data.tenant))`,
      message: `tenant pods may select only their own node pool (nodeSelector ${POOL_LABEL}) and ${NEUTRAL_NODE_LABELS.join(", ")}`,
    },
    {
      expression: `params.data.dedicatedNodePool != "true" || (has(${spec}.nodeSelector) && ${key} in ${spec}.nodeSelector && ${spec}.nodeSelector[${key}] == params.data.tenant)${exempt.dedicatedPool === undefined ? "" : ` || (${exempt.dedicatedPool})`}`,
      message: "pods of a tenant with a dedicated node pool must run on it (nodeSelector landlord.dev/tenant)",
    },
    {
      // The scheduler binds through pods/binding; a pod (or a Job's template) created with a
      // nodeName skips the scheduler and the taints.
      expression: `request.operation != "CREATE" || !has(${spec}.nodeName)`,
      message: "tenant pods may not name their node",
    },
    {
      expression: `!has(${spec}.affinity) || !has(${spec}.affinity.nodeAffinity)`,
      message: "tenant pods may not set node affinity; placement is the platform's (nodeSelector of the tenant's pool)",
    },
    {
      expression: `!has(${spec}.priorityClassName) || ${spec}.priorityClassName in ${celList(priorityClasses)}`,
      message: `tenant pods may use only these PriorityClasses: ${priorityClasses.join(", ") || "none"}`,
    },
    {
      expression: `(${containersOf(spec)}).all(c, ${celImageAllowed("c.image", registries)})`,
      message: `images must come from: ${registries.join(", ")}`,
    },
    {
      // AlwaysPullImages for tenant pods: with IfNotPresent a pod on a shared node runs
      // another tenant's private image already cached there, without the registry's say.
      expression: `(${containersOf(spec)}).all(c, (has(c.imagePullPolicy) && c.imagePullPolicy == "Always") || ${celImageAllowed("c.image", platformRepositories)})`,
      message: `containers must set imagePullPolicy: Always (images of ${platformRepositories.join(", ") || "no repository"} are exempt)`,
    },
  ];
}

/**
 * A pod spec that names no Secret: no secret or projected-secret volume, no CSI volume with
 * a secret, no env or envFrom from a Secret. A Job is how a tenant admin runs a pod; without
 * this, a Job mounting db-app reads what RBAC refuses it (readSecrets: false, docs/adr/0017).
 */
function noSecretReferences(spec: string): string {
  const volumes = `(!has(${spec}.volumes) || ${spec}.volumes.all(v, !has(v.secret) && !(has(v.projected) && has(v.projected.sources) && v.projected.sources.exists(p, has(p.secret))) && !(has(v.csi) && has(v.csi.nodePublishSecretRef))))`;
  const env = `(${containersOf(spec)}).all(c, (!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef))) && (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef))))`;
  return `${volumes} && ${env}`;
}

/** The request comes from the tenant's own people: a ServiceAccount of its namespace or one of its admin groups. */
const TENANT_IDENTITY =
  `request.userInfo.username.startsWith("system:serviceaccount:" + request.namespace + ":") || ` +
  `("adminGroups" in params.data && has(request.userInfo.groups) && request.userInfo.groups.exists(g, g != "" && g in params.data.adminGroups.split("\\n")))`;

/**
 * cert-manager's HTTP-01 solver pod, created by cert-manager itself in the Certificate's
 * namespace. The shared ClusterIssuer cannot carry each tenant's pool selector, so a
 * dedicated-pool tenant's solver would be refused and its certificate never issued (issue 22,
 * defect 3); it may run on the shared nodes. Only cert-manager's own ServiceAccount is
 * trusted with the label: a tenant cannot create pods, nor act as that account.
 */
function acmeSolver(certManagerNamespace: string): string {
  return `request.userInfo.username == ${cel(`system:serviceaccount:${certManagerNamespace}:cert-manager`)} && has(object.metadata.labels) && ${cel(ACME_SOLVER_LABEL)} in object.metadata.labels && object.metadata.labels[${cel(ACME_SOLVER_LABEL)}] == "true"`;
}
export const ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";

/** Labels the platform's network policies and tools select on; tenants' own workloads may not carry them. */
const RESERVED_LABEL_PREFIXES = ["cnpg.io/", "landlord.dev/", "app.kubernetes.io/managed-by"];

/** The policies (and bindings of the same name) every cluster must have before it takes tenants. */
export const GUARDRAIL_POLICIES = ["landlord-tenant-pods", "landlord-tenant-jobs", "landlord-tenant-services", "landlord-tenant-ingress-hosts"] as const;

export function admissionPolicies(config: PlatformConfig): KubeObject[] {
  const registries = allowedRegistries(config);
  const platformRepositories = config.policy.platformImageRepositories;
  const priorityClasses = config.policy.allowedPriorityClasses;
  const cnpgPrefix = cel(`system:serviceaccount:${config.integrations.cnpg.namespace}:`);
  const reservedLabels = (labelsExpr: string) =>
    `!has(${labelsExpr}) || ${labelsExpr}.all(k, !(${celList(RESERVED_LABEL_PREFIXES)}.exists(p, k.startsWith(p))))`;
  return [
    ...policy(
      "landlord-tenant-pods",
      { apiGroups: [""], resources: ["pods"] },
      [
        ...podSpecRules("object.spec", registries, platformRepositories, priorityClasses, { dedicatedPool: acmeSolver(config.integrations.certManager.namespace) }),
      ],
    ),
    ...policy(
      "landlord-tenant-jobs",
      { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
      [
        {
          // CloudNativePG creates its own Jobs (initdb, join) with its labels; nobody else may.
          expression: `request.userInfo.username.startsWith(${cnpgPrefix}) || (${reservedLabels("variables.template.metadata.labels")})`,
          message: `job pod templates may not carry platform labels (${RESERVED_LABEL_PREFIXES.join(", ")}): the database's network policy trusts them`,
        },
        {
          expression: `request.userInfo.username.startsWith(${cnpgPrefix}) || !has(variables.template.spec.serviceAccountName) || variables.template.spec.serviceAccountName in ["default", ""]`,
          message: "tenant jobs run as the namespace's default ServiceAccount; the app's and the database's cloud identities are not theirs to borrow",
        },
        ...podSpecRules("variables.template.spec", registries, platformRepositories, priorityClasses),
        ...(config.policy.tenantAdmin.readSecrets
          ? []
          : [
              {
                expression: `!(${TENANT_IDENTITY}) || (${noSecretReferences("variables.template.spec")})`,
                message: "tenant jobs may not mount or read Secrets (volumes, env, envFrom): tenant admins do not read the namespace's Secrets (policy.tenantAdmin.readSecrets)",
              },
            ]),
      ],
      [{ name: "template", expression: `object.kind == "CronJob" ? object.spec.jobTemplate.spec.template : object.spec.template` }],
    ),
    ...policy("landlord-tenant-services", { apiGroups: [""], resources: ["services"] }, [
      {
        expression: `!has(object.spec.type) || object.spec.type == "ClusterIP"`,
        message: "tenants are reached through the shared ingress only: no NodePort or LoadBalancer services",
      },
      { expression: `!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0`, message: "services may not claim external IPs" },
    ]),
    ...policy(
      "landlord-tenant-ingress-hosts",
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses"] },
      [
        {
          expression: `(has(object.spec.rules) ? object.spec.rules : []).all(r, has(r.host) && variables.allowed.exists(h, r.host == h || r.host.endsWith("." + h)))`,
          message: "an Ingress may serve only the tenant's own domains and names under them",
        },
        {
          expression: `(has(object.spec.tls) ? object.spec.tls : []).all(t, !has(t.hosts) || t.hosts.all(x, variables.allowed.exists(h, x == h || x.endsWith("." + h))))`,
          message: "TLS hosts must be the tenant's own domains",
        },
      ],
      [{ name: "allowed", expression: `params.data.hosts.split(",")` }],
    ),
    ...storageClassPolicy(config.policy.allowedStorageClasses),
  ];
}

/**
 * Volumes only on the StorageClasses the platform lists. Rendered only with an explicit
 * list: the API server fills in the cluster's default class before validation, and only the
 * operator knows that class's name (docs/adr/0017). Without a list, validation still checks
 * every class landlord.yaml's layers and tenants name.
 */
function storageClassPolicy(classes: readonly string[]): KubeObject[] {
  if (classes.length === 0) return [];
  return policy("landlord-tenant-volumes", { apiGroups: [""], resources: ["persistentvolumeclaims"] }, [
    {
      expression: `!has(object.spec.storageClassName) || object.spec.storageClassName in ${celList(classes)}`,
      message: `volumes may use only these StorageClasses: ${classes.join(", ")}`,
    },
  ]);
}
