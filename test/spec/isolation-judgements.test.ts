/** The isolation judgement calls of docs/adr/0017, each checked where it is decided. */
import { describe, expect, it } from "vitest";
import { auditBundles } from "../../src/audit/checks.js";
import { describeError } from "../../src/cli/exit.js";
import { InputError } from "../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { renderBundle } from "../../src/render/bundle.js";
import { admissionPolicies } from "../../src/render/platform/admission-policies.js";
import type { KubeObject } from "../../src/render/object.js";
import { redactSecrets, redactValue } from "../../src/util/redact.js";
import { fleet, fleetProblems, platform, tenantFile } from "../support/fixtures.js";

const problems = fleetProblems;

const withPolicy = (lines: string) => PLATFORM_TEMPLATE.replace("  ceilingExceptions: []", `  ceilingExceptions: []\n${lines}`);

function bundleOf(text = PLATFORM_TEMPLATE, name = "acme") {
  const ctx = platform(text);
  const [t] = fleet(ctx, [tenantFile(name)]);
  if (!t) throw new Error("no tenant");
  return renderBundle(ctx.config, t);
}

const find = (objects: readonly KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe("tenant admin least privilege", () => {
  const rules = (text?: string) => {
    const role = find(bundleOf(text).objects, "Role", "tenant-admin");
    return (role?.rules ?? []) as { resources: string[]; verbs: string[] }[];
  };
  const grants = (rs: ReturnType<typeof rules>, resource: string, verb: string) => rs.some((r) => r.resources.includes(resource) && r.verbs.includes(verb));

  it("reads no Secrets and cannot exec or port-forward by default", () => {
    const rs = rules();
    expect(grants(rs, "secrets", "get")).toBe(false);
    expect(grants(rs, "pods/exec", "create")).toBe(false);
    expect(grants(rs, "pods/portforward", "create")).toBe(false);
    // Still manages its workloads.
    expect(grants(rs, "jobs", "create")).toBe(true);
  });

  it("gets each right only when the platform opts in", () => {
    const rs = rules(withPolicy("  tenantAdmin: { exec: true, readSecrets: true }"));
    expect(grants(rs, "secrets", "list")).toBe(true);
    expect(grants(rs, "pods/exec", "create")).toBe(true);
    expect(grants(rs, "pods/portforward", "create")).toBe(false);
  });
});

describe("namespace defaults", () => {
  it("pins the Pod Security version and gives the default ServiceAccount no token", () => {
    const objects = bundleOf().objects;
    expect(objects[0]?.metadata.labels["pod-security.kubernetes.io/enforce-version"]).toBe("v1.33");
    expect(find(objects, "ServiceAccount", "default")).toMatchObject({ automountServiceAccountToken: false });
    const pinned = bundleOf(withPolicy("  podSecurityVersion: v1.35")).objects;
    expect(pinned[0]?.metadata.labels["pod-security.kubernetes.io/enforce-version"]).toBe("v1.35");
    expect(problems([tenantFile("acme")], withPolicy("  podSecurityVersion: latest"))[0]).toMatch(/podSecurityVersion is a Kubernetes minor version/);
  });
});

describe("database traffic inside the namespace", () => {
  it("reaches the database only on the PostgreSQL port; instances reach each other's status port", () => {
    const report = auditBundles([bundleOf()], platform().config);
    const path = (from: string, to: string, port: number) => report.paths.find((p) => p.from === `acme/${from}` && p.to === `acme/${to}` && p.port === port)?.allowed;
    expect(path("app", "database", 5432)).toBe(true);
    expect(path("job", "database", 5432)).toBe(true);
    expect(path("app", "database", 8000)).toBe(false);
    expect(path("job", "database", 9187)).toBe(false);
    expect(path("database", "database", 8000)).toBe(true);
    expect(report.failures).toBe(0);
  });

  it("lets only the Prometheus pods scrape when their labels are configured", () => {
    const text = PLATFORM_TEMPLATE.replace(/(monitoring:\n(\s+)namespace: [a-z-]+\n)/, "$1$2scraperPodLabels: { app.kubernetes.io/name: prometheus }\n");
    expect(text).not.toBe(PLATFORM_TEMPLATE);
    const scrape = find(bundleOf(text).objects, "NetworkPolicy", "allow-monitoring-scrape");
    expect(JSON.stringify(scrape?.spec)).toContain('"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}');
  });
});

describe("database parameters CloudNativePG owns", () => {
  it("are refused, in any layer a tenant writes; tuning parameters pass", () => {
    for (const key of ["archive_command", "ssl_cert_file", "listen_addresses", "shared_preload_libraries", "recovery_target_time", "log_directory", "primary_conninfo"]) {
      const out = problems([tenantFile("acme", { overrides: { database: { parameters: { [key]: "x" } } } })]);
      expect(out.join("\n"), key).toMatch(/CloudNativePG sets this parameter itself/);
    }
    expect(problems([tenantFile("acme", { overrides: { database: { parameters: { work_mem: "8MB", log_min_duration_statement: "500" } } } })])).toEqual([]);
  });
});

describe("storage classes", () => {
  it("allow only the classes landlord.yaml names, or its explicit list", () => {
    expect(problems([tenantFile("acme", { overrides: { database: { storage: { storageClass: "premium-nobackup" } } } })])).toEqual([
      "spec.overrides.database.storage.storageClass: storage class 'premium-nobackup' is not allowed",
    ]);
    const listed = withPolicy("  allowedStorageClasses: [managed-csi, premium-nobackup]");
    expect(problems([tenantFile("acme", { overrides: { database: { storage: { storageClass: "premium-nobackup" } } } })], listed)).toEqual([]);
  });

  it("are enforced on volumes at admission when the list is explicit", () => {
    const names = (text: string) => admissionPolicies(platform(text).config).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(PLATFORM_TEMPLATE)).not.toContain("ValidatingAdmissionPolicy/landlord-tenant-volumes");
    const listed = admissionPolicies(platform(withPolicy("  allowedStorageClasses: [managed-csi]")).config);
    const vap = find(listed, "ValidatingAdmissionPolicy", "landlord-tenant-volumes");
    expect(JSON.stringify(vap?.spec)).toContain('object.spec.storageClassName in [\\"managed-csi\\"]');
    expect(find(listed, "ValidatingAdmissionPolicyBinding", "landlord-tenant-volumes")).toBeDefined();
  });
});

describe("Entra ID groups", () => {
  const entra = withPolicy("  identityProvider: entra-id");
  const id = "0b1f5a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
  it("must be object ids, and the admin group must be named", () => {
    expect(problems([tenantFile("acme", { spec: { access: { adminGroups: ["acme-admins"] } } })], entra)[0]).toMatch(/'acme-admins' is not an Entra ID group object id/);
    expect(problems([tenantFile("acme")], entra)).toEqual(["spec.access.adminGroups: with Entra ID the tenant's admin group must be named"]);
    expect(problems([tenantFile("acme", { spec: { access: { adminGroups: [id], viewerGroups: [id.replace("0b1f", "1c2e")] } } })], entra)).toEqual([]);
  });
  it("stay free-form with a generic identity provider", () => {
    expect(problems([tenantFile("acme", { spec: { access: { adminGroups: ["acme-admins"] } } })])).toEqual([]);
  });
});

describe("redaction of echoed values", () => {
  it("hides URL passwords and credential shapes in any error, keeps paths and hosts", () => {
    const err = new Error("cannot open store postgres://landlord:s3cr3t-Pa55@db.internal:5432/landlord (token ghp_abcdefghijklmnopqrstuvwxyz0123456789) at /tmp/x-1f9a/landlord.db");
    const shown = describeError(err);
    expect(shown).not.toContain("s3cr3t");
    expect(shown).not.toContain("ghp_abc");
    expect(shown).toContain("postgres://landlord:***@db.internal:5432/landlord");
    expect(shown).toContain("[redacted: a GitHub token]");
    expect(shown).toContain("/tmp/x-1f9a/landlord.db");
  });
  it("hides input problems that echo a value", () => {
    const shown = describeError(new InputError([{ path: "DATABASE_URL", message: "'postgres//u:hunter2@h/db' is not a URL", fix: "write postgres://u:PASSWORD@h/db" }]));
    expect(shown).not.toContain("hunter2");
  });
  it("shows a secret-looking configured value as a marker in explain", () => {
    expect(redactValue("aB3$kL9@pQ7!xZ2#mN5&vR8*tY4%wE6^")).toBe("[redacted: a random token (high entropy)]");
    expect(redactValue("https://hooks.example.com/path")).toBe("https://hooks.example.com/path");
    expect(redactSecrets("plain words only")).toBe("plain words only");
  });
});

describe("domain checks against onboarded tenants", () => {
  const ctx = platform();
  const members = fleet(ctx, [tenantFile("acme", { domains: ["acme.apps.example.com", "shop.example.org"] })]);
  it("refuse a domain, a child or a parent of what another onboarded tenant serves; the tenant's own record is itself", async () => {
    const { storedClaimProblems } = await import("../../src/spec/stored-claims.js");
    expect(storedClaimProblems(members, [{ name: "acme", domains: ["shop.example.org"] }])).toEqual([]);
    const msg = (stored: { name: string; domains: string[] }[]) => storedClaimProblems(members, stored).map((p) => `${p.path}: ${p.message}`);
    expect(msg([{ name: "globex", domains: ["shop.example.org"] }])).toEqual(["spec.domains[1]: domain 'shop.example.org' is already claimed by onboarded tenant 'globex'"]);
    expect(msg([{ name: "globex", domains: ["example.org"] }])).toEqual(["spec.domains[1]: 'shop.example.org' is under 'example.org', which onboarded tenant 'globex' serves"]);
    expect(msg([{ name: "globex", domains: ["api.shop.example.org"] }])).toEqual(["spec.domains[1]: 'shop.example.org' is a parent of 'api.shop.example.org', which onboarded tenant 'globex' serves"]);
    expect(msg([{ name: "globex", domains: ["xshop.example.org", "globex.apps.example.com"] }])).toEqual([]);
  });
});
