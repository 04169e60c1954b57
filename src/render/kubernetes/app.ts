/** The app itself: config, Deployment, Service, autoscaler and disruption budget. */
import { createHash } from "node:crypto";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IService } from "kubernetes-models/v1/Service";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { APP, appSelector, asObject, DB, LABEL, meta, ownershipLabels, type KubeObject, type RenderContext } from "../object.js";
import { APP_SECRETS, hasAppSecrets } from "./secrets.js";
import { POOLER } from "./database.js";
import { scheduling } from "./scheduling.js";

export const APP_CONFIG = "app-config";

type Container = NonNullable<NonNullable<NonNullable<IDeployment["spec"]>["template"]["spec"]>["containers"]>[number];
type Probe = NonNullable<Container["livenessProbe"]>;

function featureFlagData(t: ResolvedTenant): Record<string, string> {
  const flags = t.effective.app.featureFlags;
  return Object.fromEntries(
    Object.keys(flags)
      .sort()
      .map((k) => [`FEATURE_${k.toUpperCase()}`, String(flags[k])]),
  );
}

export function configMap(t: ResolvedTenant): KubeObject {
  const cm: IConfigMap & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(t, APP_CONFIG),
    data: featureFlagData(t),
  };
  return asObject(cm);
}

function probe(p: { path: string; initialDelaySeconds: number; periodSeconds: number; failureThreshold: number }): Probe {
  return {
    httpGet: { path: p.path, port: "http" },
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
  };
}

function containerPorts(t: ResolvedTenant): NonNullable<Container["ports"]> {
  const app = t.effective.app;
  const ports: NonNullable<Container["ports"]> = [{ name: "http", containerPort: app.port, protocol: "TCP" }];
  if (app.metricsPort !== app.port) ports.push({ name: "metrics", containerPort: app.metricsPort, protocol: "TCP" });
  return ports;
}

/**
 * How the app reaches its database. CloudNativePG writes the app user's URI, to `db-rw`, into
 * the <cluster>-app Secret. With a pooler the same credentials go to the Pooler's Service
 * instead: otherwise the pooler costs its pods and serves nobody (issue 22, defect 7). The
 * URL is composed from the Secret's keys by the kubelet's $(VAR) expansion, so it is never
 * written in clear; CloudNativePG's generated passwords are letters and digits only.
 */
function databaseEnv(t: ResolvedTenant): NonNullable<Container["env"]> {
  const secret = `${DB}-app`;
  if (!t.effective.database.pooler.enabled) return [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: secret, key: "uri" } } }];
  return [
    { name: "DATABASE_USER", valueFrom: { secretKeyRef: { name: secret, key: "username" } } },
    { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: secret, key: "password" } } },
    { name: "DATABASE_HOST", value: POOLER },
    { name: "DATABASE_URL", value: `postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@${POOLER}:5432/app` },
  ];
}

export function deployment(ctx: RenderContext): KubeObject {
  const { t } = ctx;
  const app = t.effective.app;
  const env: NonNullable<Container["env"]> = [
    { name: "TENANT", value: t.tenant.metadata.name },
    { name: "TENANT_TIER", value: t.tier.name },
    ...databaseEnv(t),
    ...Object.keys(app.env)
      .sort()
      .map((name) => ({ name, value: app.env[name] ?? "" })),
  ];
  const envFrom: NonNullable<Container["envFrom"]> = [{ configMapRef: { name: APP_CONFIG } }];
  if (hasAppSecrets(ctx)) envFrom.push({ secretRef: { name: APP_SECRETS } });
  // Feature flags live in a ConfigMap read at start: a change must roll the pods.
  const configHash = createHash("sha256").update(JSON.stringify(featureFlagData(t))).digest("hex").slice(0, 16);
  const d: IDeployment & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(t, APP, { [LABEL.name]: APP, "app.kubernetes.io/version": t.version }),
    spec: {
      // No replicas: the HPA owns the count, and server-side apply would otherwise fight it.
      revisionHistoryLimit: 5,
      selector: { matchLabels: appSelector(t) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: {
            ...appSelector(t),
            ...ownershipLabels(t),
            "app.kubernetes.io/version": t.version,
            "azure.workload.identity/use": "true",
          },
          annotations: { "landlord.dev/config-hash": configHash },
        },
        spec: {
          serviceAccountName: APP,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          ...scheduling(t),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: appSelector(t) },
            },
          ],
          containers: [
            {
              name: APP,
              image: `${app.image}:${t.version}`,
              // Admission requires it (docs/adr/0017): the registry, not a node's cache, decides who may run the image.
              imagePullPolicy: "Always",
              ports: containerPorts(t),
              env,
              envFrom,
              resources: app.resources,
              livenessProbe: probe(app.probes.liveness),
              readinessProbe: probe(app.probes.readiness),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
  return asObject(d);
}

export function service(t: ResolvedTenant): KubeObject {
  const app = t.effective.app;
  const ports: NonNullable<NonNullable<IService["spec"]>["ports"]> = [{ name: "http", port: app.port, targetPort: "http", protocol: "TCP" }];
  if (app.metricsPort !== app.port) ports.push({ name: "metrics", port: app.metricsPort, targetPort: "metrics", protocol: "TCP" });
  const s: IService & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(t, APP, { [LABEL.name]: APP }),
    spec: { type: "ClusterIP", selector: appSelector(t), ports },
  };
  return asObject(s);
}

/** Bounded so that its ceiling fits the quota (guardrails.ts checks the arithmetic). */
export function autoscaler(t: ResolvedTenant): KubeObject {
  const app = t.effective.app;
  const hpa: IHorizontalPodAutoscaler & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(t, APP),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: APP },
      minReplicas: app.replicas,
      maxReplicas: app.autoscaling.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: app.autoscaling.targetCPUUtilization } },
        },
      ],
    },
  };
  return asObject(hpa);
}

export function disruptionBudget(t: ResolvedTenant): KubeObject {
  const pdb: IPodDisruptionBudget & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(t, APP),
    spec: {
      // With one replica minAvailable would block every node drain; one at a time is the fence.
      maxUnavailable: 1,
      selector: { matchLabels: appSelector(t) },
    },
  };
  return asObject(pdb);
}
