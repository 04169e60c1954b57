/**
 * A package's objects inside the tenant's bundle. The platform keeps the exposure: its
 * Ingress (the tenant's domains, TLS, the platform's class) routes to the Service the
 * operator named in app.package.expose, and the ingress controller's network policy admits
 * exactly the pods that Service selects, never the database's.
 */
import { INGRESS_POLICY_NAME } from "./names.js";
import type { KubeObject } from "../object.js";
import type { PackagedApp } from "./types.js";

type Json = Record<string, unknown>;

function retargetIngress(o: KubeObject, app: PackagedApp): KubeObject {
  const spec = o.spec as { rules?: { host: string; http: { paths: Json[] } }[] } & Json;
  const port = typeof app.expose.port === "number" ? { number: app.expose.port } : { name: app.expose.port };
  return {
    ...o,
    spec: {
      ...spec,
      rules: (spec.rules ?? []).map((r) => ({
        ...r,
        http: { paths: r.http.paths.map((p) => ({ ...p, backend: { service: { name: app.expose.service, port } } })) },
      })),
    },
  };
}

function retargetPolicy(o: KubeObject, app: PackagedApp): KubeObject {
  const service = app.objects.find((x) => x.kind === "Service" && x.metadata.name === app.expose.service);
  const svcSpec = (service?.spec ?? {}) as { selector?: Record<string, string>; ports?: Json[] };
  const port = (svcSpec.ports ?? []).find((p) => (typeof app.expose.port === "number" ? p.port === app.expose.port : p.name === app.expose.port));
  const target = port?.targetPort ?? port?.port;
  const spec = o.spec as { ingress?: { from?: unknown[] }[] } & Json;
  return {
    ...o,
    spec: {
      ...spec,
      // The Service's own selector, and never a database pod whatever labels it shares.
      podSelector: { matchLabels: svcSpec.selector ?? {}, matchExpressions: [{ key: "cnpg.io/cluster", operator: "DoesNotExist" }] },
      ingress: (spec.ingress ?? []).map((rule) => ({ ...rule, ports: [{ protocol: "TCP", port: target }] })),
    },
  };
}

/** The bundle's objects with the package in place of the built-in app's exposure targets. */
export function exposePackage(objects: readonly KubeObject[], app: PackagedApp): KubeObject[] {
  return objects.map((o) => {
    if (o.kind === "Ingress" && o.metadata.name === "app" && !app.objects.includes(o)) return retargetIngress(o, app);
    if (o.kind === "NetworkPolicy" && o.metadata.name === INGRESS_POLICY_NAME) return retargetPolicy(o, app);
    return o;
  });
}
