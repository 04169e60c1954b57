/**
 * Built-in kinds are checked against the upstream Kubernetes OpenAPI schemas that
 * kubernetes-models ships, compiled to validators.
 */
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
// App packages (docs/adr/0013) also render these.
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ["v1/Namespace", Namespace],
  ["v1/ResourceQuota", ResourceQuota],
  ["v1/LimitRange", LimitRange],
  ["v1/ServiceAccount", ServiceAccount],
  ["v1/ConfigMap", ConfigMap],
  ["v1/Service", Service],
  ["apps/v1/Deployment", Deployment],
  ["autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler],
  ["policy/v1/PodDisruptionBudget", PodDisruptionBudget],
  ["networking.k8s.io/v1/NetworkPolicy", NetworkPolicy],
  ["networking.k8s.io/v1/Ingress", Ingress],
  ["rbac.authorization.k8s.io/v1/Role", Role],
  ["rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding],
  ["apps/v1/StatefulSet", StatefulSet],
  ["batch/v1/Job", Job],
  ["batch/v1/CronJob", CronJob],
  ["v1/PersistentVolumeClaim", PersistentVolumeClaim],
]);

export function isBuiltin(apiVersion: string, kind: string): boolean {
  return MODELS.has(`${apiVersion}/${kind}`);
}

/** Returns schema violations as "path: message" lines; empty when valid. */
export function validateBuiltin(object: { apiVersion: string; kind: string }): string[] {
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (!Model) return [`no built-in schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors.map((e) => `${e.instancePath === "" || e.instancePath === undefined ? "/" : e.instancePath}: ${e.message ?? "invalid"}`);
    }
    return [err instanceof Error ? err.message : String(err)];
  }
}
