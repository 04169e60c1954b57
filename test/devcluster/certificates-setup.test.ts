/**
 * The dev cluster's certificate parts, without a cluster: its ClusterIssuer passes the
 * audit landlord runs on operators' issuers, the landlord.yaml it hands tests names that
 * issuer and the Traefik it runs, and the cert-manager chart is trimmed to the controller.
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { clusterIssuerProblems } from "../../src/audit/cluster-issuer.js";
import { certManagerValues, chartObjects } from "../../src/devcluster/cert-manager.js";
import { DEV_CLUSTER_ISSUER, pebbleClusterIssuer } from "../../src/devcluster/pebble.js";
import { realNodesPlatformText } from "../../src/devcluster/platform.js";
import { TRAEFIK_INGRESS, traefikObjects } from "../../src/devcluster/traefik.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { platform } from "../support/fixtures.js";

const pebble = { directory: "https://10.250.0.254:14000/dir", management: "https://10.250.0.254:15000", listenerCa: "-----BEGIN CERTIFICATE-----\n...\n", dnsServer: "10.250.0.254:8053", dnsManagement: "http://127.0.0.1:8055" };

describe("the dev cluster's certificates", () => {
  it("has a ClusterIssuer the issuer audit accepts: ClusterIP solvers through Traefik's class, Pebble trusted by caBundle", () => {
    const issuer = pebbleClusterIssuer(pebble, TRAEFIK_INGRESS.className);
    expect(clusterIssuerProblems(issuer, DEV_CLUSTER_ISSUER)).toEqual([]);
    expect(issuer.spec).toMatchObject({ acme: { server: pebble.directory, caBundle: Buffer.from(pebble.listenerCa).toString("base64") } });
  });

  it("names that issuer and Traefik's class, namespace and pod labels in the landlord.yaml real-node tests use", () => {
    const config = platform(realNodesPlatformText(PLATFORM_TEMPLATE, "ghcr.io/cloudnative-pg/postgresql:15.20")).config;
    expect(config.integrations.certManager.clusterIssuer).toBe(DEV_CLUSTER_ISSUER);
    expect(config.integrations.ingress).toMatchObject({ className: "traefik", namespace: "traefik", podLabels: { "app.kubernetes.io/name": "traefik" } });
    // What the tenants' network policies admit is what the Deployment's pods carry.
    const deployment = traefikObjects().find((o) => o.kind === "Deployment");
    expect(deployment?.metadata.namespace).toBe(config.integrations.ingress.namespace);
    expect((deployment?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).toMatchObject(config.integrations.ingress.podLabels);
  });

  it("keeps the chart's controller objects and CRDs, apart, and drops the webhook's", () => {
    const doc = (kind: string, name: string, component: string) => stringify({ apiVersion: "v1", kind, metadata: { name, namespace: "cert-manager", labels: { "app.kubernetes.io/component": component } } });
    const kept = chartObjects([doc("Deployment", "cert-manager", "controller"), doc("Deployment", "cert-manager-webhook", "webhook"), doc("ServiceAccount", "cert-manager", "controller"), doc("CustomResourceDefinition", "orders.acme.cert-manager.io", "crds")].join("---\n"));
    expect(kept.others.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/cert-manager", "ServiceAccount/cert-manager"]);
    expect(kept.crds.map((o) => o.metadata.name)).toEqual(["orders.acme.cert-manager.io"]);
    expect(() => chartObjects(doc("Deployment", "cert-manager-webhook", "webhook"))).toThrow(/no Deployment named cert-manager/);
  });

  it("points the controller's HTTP-01 self check at the test DNS server (commas escaped for --set)", () => {
    expect(certManagerValues(["10.250.0.254:1", "10.250.0.254:2"])).toContain("extraArgs[0]=--acme-http01-solver-nameservers=10.250.0.254:1\\,10.250.0.254:2");
    expect(certManagerValues([]).some((v) => v.startsWith("extraArgs"))).toBe(false);
  });
});
