/** Tenant input that would cross into other tenants or the platform is refused at validation. */
import { describe, expect, it } from "vitest";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { RESERVED_PORTS } from "../../src/spec/reserved-ports.js";
import { fleetProblems, tenantFile } from "../support/fixtures.js";

const problems = fleetProblems;

describe("access groups", () => {
  it("refuse Kubernetes system groups, in any case", () => {
    for (const g of ["system:authenticated", "system:unauthenticated", "System:Masters", "system:serviceaccounts"]) {
      expect(problems([tenantFile("acme", { spec: { access: { adminGroups: [g] } } })])).toEqual([`spec.access.adminGroups[0]: '${g}' is a Kubernetes system group (it stands for identities outside the tenant)`]);
    }
  });
  it("refuse another tenant's derived groups, allow the tenant's own", () => {
    expect(problems([tenantFile("acme", { spec: { access: { viewerGroups: ["landlord:tenant:globex:admins"] } } })])[0]).toMatch(/reserves for another tenant/);
    expect(problems([tenantFile("acme", { spec: { access: { adminGroups: ["landlord:tenant:acme:admins"] } } })])).toEqual([]);
  });
  it("refuse one group bound to two tenants", () => {
    const out = problems([tenantFile("acme", { spec: { access: { adminGroups: ["g-1"] } } }), tenantFile("globex", { spec: { access: { viewerGroups: ["g-1"] } } })]);
    expect(out).toEqual(["spec.access.viewerGroups[0]: access group 'g-1' is already claimed by tenant 'acme' in tenants/acme.yaml"]);
  });
});

describe("reserved namespaces", () => {
  it("refuse kube-* and *-system names whatever the prefix", () => {
    const noPrefix = PLATFORM_TEMPLATE.replace("namespacePrefix: tenant-", 'namespacePrefix: ""');
    for (const name of ["kube-proxy", "kube-fake", "cert-system", "flux-system"]) {
      expect(problems([tenantFile(name)], noPrefix), name).toContainEqual(`metadata.name: '${name}' is reserved for the platform`);
    }
    expect(problems([tenantFile("kube-fans")])).toEqual([]);
  });
});

describe("image registries", () => {
  it("refuse an app or database image from a registry outside the allow-list", () => {
    expect(problems([tenantFile("acme", { overrides: { app: { image: "docker.io/attacker/app" } } })])).toEqual([
      "spec.overrides.app.image: repository of 'docker.io/attacker/app' is not allowed",
    ]);
    expect(problems([tenantFile("acme", { overrides: { database: { imageName: "evil.example.net/postgres:16" } } })])[0]).toMatch(/database\.imageName: repository of/);
    const allowed = PLATFORM_TEMPLATE.replace("  ceilingExceptions: []", "  ceilingExceptions: []\n  allowedRegistries: [registry.example.com, ghcr.io/cloudnative-pg, mirror.example.org]");
    expect(problems([tenantFile("acme", { overrides: { app: { image: "mirror.example.org/saas/app" } } })], allowed)).toEqual([]);
    expect(problems([tenantFile("acme", { overrides: { app: { image: "mirror.example.org.evil.com/app" } } })], allowed)).toHaveLength(1);
  });
});

describe("secrets in clear", () => {
  it("are found in any free-text value by shape or randomness, and never echoed", () => {
    const key = "aB3$kL9@pQ7!xZ2#mN5&vR8*tY4%wE6^";
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ app: { featureFlags: { paymentKey: "sk_live_abcdefghijklmnop1234" } } }, /app\.featureFlags\.paymentKey: the value looks like a Stripe key/],
      [{ app: { env: { NOTE: `-----BEGIN RSA PRIVATE KEY-----` } } }, /app\.env\.NOTE: the value looks like a private key/],
      [{ app: { env: { BUILD: key } } }, /app\.env\.BUILD: the value looks like a random token/],
      [{ database: { parameters: { application_name: "postgres://u:hunter2@db/x" } } }, /database\.parameters\.application_name: the value looks like a URL with a password/],
    ];
    for (const [overrides, re] of cases) {
      const out = problems([tenantFile("acme", { overrides })]);
      expect(out.join("\n"), JSON.stringify(overrides)).toMatch(re);
      expect(out.join("\n")).not.toMatch(/sk_live|hunter2|aB3\$kL9/);
    }
  });
  it("leave ordinary values alone: digests, UUIDs, versions, URLs without passwords", () => {
    const overrides = { app: { env: { COMMIT: "4f9c2b1e8d7a6c5b4a3f2e1d0c9b8a7f6e5d4c3b", ID: "123e4567-e89b-12d3-a456-426614174000", URL: "https://api.example.com/v1?x=1", LOG_LEVEL: "debug" } } };
    expect(problems([tenantFile("acme", { overrides })])).toEqual([]);
  });
});

describe("dedicated cluster names", () => {
  it("refuse a large tenant whose own cluster would take a shared cluster's name", () => {
    expect(problems([tenantFile("weu-1", { tier: "large" })])).toContainEqual("metadata.name: the tenant's own cluster would be named 'aks-weu-1', which is a shared cluster of landlord.yaml");
  });
});

describe("hostnames", () => {
  it("give a tenant its own name under the zone and names below it, nothing else there", () => {
    expect(problems([tenantFile("acme", { domains: ["acme.apps.example.com", "api.acme.apps.example.com", "shop.acme.com"] })])).toEqual([]);
    const refused: [string, RegExp][] = [
      ["apps.example.com", /is the platform's zone, which no tenant may serve/],
      ["example.com", /is the platform's zone or a parent of it/],
      ["globex.apps.example.com", /under the platform's zone but not under the tenant's own name/],
      ["api.globex.apps.example.com", /not under the tenant's own name/],
      ["xacme.apps.example.com", /not under the tenant's own name/],
    ];
    for (const [d, re] of refused) expect(problems([tenantFile("acme", { domains: [d] })]).join("\n"), d).toMatch(re);
  });
  it("refuse a name under another tenant's custom domain, whichever file comes first", () => {
    const a = tenantFile("acme", { domains: ["acme.com"] });
    const b = tenantFile("globex", { domains: ["api.acme.com"] });
    for (const files of [[a, b], [b, a]]) {
      expect(problems(files)).toEqual(["spec.domains[0]: 'api.acme.com' is under 'acme.com', which tenant 'acme' serves"]);
    }
    expect(problems([tenantFile("acme", { domains: ["acme.com", "www.acme.com"] })])).toEqual([]);
  });
});

describe("ports the platform listens on in a tenant namespace", () => {
  it("refuse each reserved port as the app's port or metrics port, and allow the ports around them", () => {
    for (const port of RESERVED_PORTS.keys()) {
      for (const field of ["port", "metricsPort"] as const) {
        const out = problems([tenantFile("acme", { overrides: { app: { [field]: port } } })]);
        expect(out, `${field} ${String(port)}`).toHaveLength(1);
        expect(out[0], `${field} ${String(port)}`).toMatch(new RegExp(`^spec\\.overrides\\.app\\.${field}: port ${String(port)} is reserved for `));
      }
      expect(problems([tenantFile("acme", { overrides: { app: { metricsPort: port + 1 } } })]), String(port + 1)).toEqual([]);
    }
  });
});
