/**
 * Namespace-scoped access only: a tenant admin and a viewer Role, bound to the tenant's
 * groups. Neither Role may touch the fences (quota, limit range, network policies) or
 * RBAC itself, and nothing here is cluster-wide.
 */
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { workloadIdentityAnnotations } from "../cloud.js";
import { APP, asObject, meta, type KubeObject, type RenderContext } from "../object.js";

type Rule = NonNullable<IRole["rules"]>[number];

export const ADMIN_ROLE = "tenant-admin";
export const VIEWER_ROLE = "tenant-viewer";
/** The ServiceAccount behind the tenant-scoped kubeconfig that onboarding hands out. */
export const ADMIN_SERVICE_ACCOUNT = "tenant-admin";

const READ = ["get", "list", "watch"];

const VIEW_RULES: Rule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "pods/log", "services", "endpoints", "configmaps", "persistentvolumeclaims", "events", "resourcequotas", "limitranges", "serviceaccounts"],
    verbs: READ,
  },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: READ },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: READ },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: READ },
  { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters", "backups", "scheduledbackups", "poolers"], verbs: READ },
  { apiGroups: ["barmancloud.cnpg.io"], resources: ["objectstores"], verbs: READ },
  { apiGroups: ["cert-manager.io"], resources: ["certificates"], verbs: READ },
  { apiGroups: ["monitoring.coreos.com"], resources: ["servicemonitors", "podmonitors", "prometheusrules"], verbs: READ },
];

/**
 * Admin adds operations on workloads it owns, never on the fences or on RBAC. Reading
 * Secrets (the database credentials), exec and port-forward reach past the workloads into
 * the data, so each is the platform's opt-in (policy.tenantAdmin, docs/adr/0017).
 */
export function adminRules(optIn: TenantAdminOptIns): Rule[] {
  return [
    ...VIEW_RULES,
    ...(optIn.readSecrets ? [{ apiGroups: [""], resources: ["secrets"], verbs: READ }] : []),
    { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
    ...(optIn.exec ? [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }] : []),
    ...(optIn.portForward ? [{ apiGroups: [""], resources: ["pods/portforward"], verbs: ["create"] }] : []),
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["create", "update", "patch", "delete"] },
    { apiGroups: ["postgresql.cnpg.io"], resources: ["backups"], verbs: ["create"] },
  ];
}

type TenantAdminOptIns = PlatformConfig["policy"]["tenantAdmin"];

export function serviceAccounts({ t, cloud }: RenderContext): KubeObject[] {
  const sa = (name: string, annotations: Record<string, string>): KubeObject => {
    const metadata = meta(t, name);
    const o: IServiceAccount & { metadata: ReturnType<typeof meta> } = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata,
      automountServiceAccountToken: false,
    };
    return asObject(o);
  };
  // The namespace's `default` account is what a pod without serviceAccountName runs as: no token unless asked.
  return [sa("default", {}), sa(APP, workloadIdentityAnnotations(cloud, "app")), sa(ADMIN_SERVICE_ACCOUNT, {})];
}

function role(t: ResolvedTenant, name: string, rules: Rule[]): KubeObject {
  const r: IRole & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(t, name),
    rules,
  };
  return asObject(r);
}

export function defaultGroups(t: ResolvedTenant): { admins: string[]; viewers: string[] } {
  const name = t.tenant.metadata.name;
  const access = t.tenant.spec.access;
  return {
    admins: access.adminGroups.length > 0 ? access.adminGroups : [`landlord:tenant:${name}:admins`],
    viewers: access.viewerGroups.length > 0 ? access.viewerGroups : [`landlord:tenant:${name}:viewers`],
  };
}

function binding(t: ResolvedTenant, roleName: string, subjects: NonNullable<IRoleBinding["subjects"]>): KubeObject {
  const b: IRoleBinding & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(t, roleName),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
    subjects,
  };
  return asObject(b);
}

export function rbac({ t, platform }: Pick<RenderContext, "t" | "platform">): KubeObject[] {
  const groups = defaultGroups(t);
  const group = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
  return [
    role(t, ADMIN_ROLE, adminRules(platform.policy.tenantAdmin)),
    role(t, VIEWER_ROLE, VIEW_RULES),
    binding(t, ADMIN_ROLE, [
      ...groups.admins.map(group),
      { kind: "ServiceAccount", name: ADMIN_SERVICE_ACCOUNT, namespace: t.names.namespace },
    ]),
    binding(t, VIEWER_ROLE, groups.viewers.map(group)),
  ];
}
