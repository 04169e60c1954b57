/** The operator's ClusterIssuer is read before tenants rely on it (issue 22, defect 3): a NodePort solver never issues in a tenant namespace. */
import { describe, expect, it } from "vitest";
import { clusterIssuerProblems } from "../../src/audit/cluster-issuer.js";
import { sharedCrds } from "../support/fixtures.js";

const issuer = (ingress: Record<string, unknown>) => ({
  apiVersion: "cert-manager.io/v1",
  kind: "ClusterIssuer",
  metadata: { name: "letsencrypt-prod" },
  spec: {
    acme: {
      server: "https://acme-v02.api.letsencrypt.org/directory",
      email: "ops@example.com",
      privateKeySecretRef: { name: "letsencrypt-account" },
      solvers: [{ dns01: { azureDNS: { subscriptionID: "s", resourceGroupName: "rg", hostedZoneName: "apps.example.com", environment: "AzurePublicCloud" } } }, { http01: { ingress } }],
    },
  },
});

describe("the operator's ClusterIssuer", () => {
  it("is judged as cert-manager's schema shapes it, solver by solver", async () => {
    const crds = await sharedCrds();
    for (const ingress of [{ ingressClassName: "nginx" }, { ingressClassName: "nginx", serviceType: "NodePort" }, { ingressClassName: "nginx", serviceType: "ClusterIP" }]) {
      expect(crds.validate(issuer(ingress)), JSON.stringify(ingress)).toEqual([]);
    }
  });

  it("names a solver whose Service would be NodePort (cert-manager's default), with the patch that fixes it", () => {
    const unset = clusterIssuerProblems(issuer({ ingressClassName: "nginx" }), "letsencrypt-prod");
    expect(unset).toHaveLength(1);
    expect(unset[0]).toContain("spec.acme.solvers[1].http01.ingress.serviceType is unset (cert-manager's default: NodePort)");
    expect(unset[0]).toContain(`kubectl patch clusterissuer letsencrypt-prod --type json -p '[{"op":"add","path":"/spec/acme/solvers/1/http01/ingress/serviceType","value":"ClusterIP"}]'`);
    expect(clusterIssuerProblems(issuer({ ingressClassName: "nginx", serviceType: "NodePort" }), "letsencrypt-prod")[0]).toContain("serviceType is NodePort");
    expect(clusterIssuerProblems(issuer({ ingressClassName: "nginx", serviceType: "ClusterIP" }), "letsencrypt-prod")).toEqual([]);
  });
});
