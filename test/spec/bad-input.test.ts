import { describe, expect, test } from "vitest";
import { InputError, type InputProblem } from "../../src/errors.js";
import { MAX_FILE_BYTES } from "../../src/spec/documents.js";
import { loadFleet, loadPlatform } from "../../src/spec/fleet.js";
import type { RawFile } from "../../src/spec/documents.js";
import { platform, raw, tenantDoc, tenantFile, type TenantOptions } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { stringify } from "yaml";

interface Expect {
  file?: string;
  path: string | RegExp;
  message: RegExp;
}

function problemsOf(fn: () => unknown): InputProblem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected an InputError, got success");
}

function expectProblems(problems: InputProblem[], expected: Expect[]): void {
  for (const p of problems) {
    expect(p.fix.length, `problem without a fix: ${JSON.stringify(p)}`).toBeGreaterThan(3);
  }
  for (const e of expected) {
    const found = problems.some(
      (p) =>
        (e.file === undefined || p.file === e.file) &&
        (typeof e.path === "string" ? p.path === e.path : e.path.test(p.path)) &&
        e.message.test(p.message),
    );
    expect(found, `no problem matching ${JSON.stringify({ ...e, path: String(e.path), message: String(e.message) })} in\n${JSON.stringify(problems, null, 1)}`).toBe(true);
  }
}

const one = (name: string, o: TenantOptions = {}) => [tenantFile(name, o)];
const withSpec = (spec: Record<string, unknown>) => one("acme", { spec });
const withOverrides = (overrides: Record<string, unknown>) => one("acme", { overrides });
const file = "tenants/acme.yaml";

const tenantCases: [string, RawFile[], Expect[]][] = [
  ["name is not a DNS label", one("Acme_Corp"), [{ path: "metadata.name", message: /DNS label/ }]],
  ["name too long for derived names", one("a".repeat(41)), [{ path: "metadata.name", message: /at most 40/ }]],
  ["reserved name default", one("default"), [{ path: "metadata.name", message: /reserved/ }]],
  ["reserved name kube-system", one("kube-system"), [{ path: "metadata.name", message: /reserved/ }]],
  ["reserved platform namespace", one("monitoring"), [{ path: "metadata.name", message: /reserved/ }]],
  [
    "same tenant twice",
    [tenantFile("acme"), raw("tenants/acme-copy.yaml", stringify(tenantDoc("acme", { domains: ["other.example.com"] })))],
    [{ file: "tenants/acme-copy.yaml", path: "metadata.name", message: /defined twice/ }],
  ],
  [
    "two tenants claim one domain",
    [tenantFile("acme", { domains: ["shop.example.com"] }), tenantFile("globex", { domains: ["shop.example.com"] })],
    [{ file: "tenants/globex.yaml", path: "spec.domains[0]", message: /already claimed by tenant 'acme'/ }],
  ],
  ["wildcard domain", one("acme", { domains: ["*.acme.com"] }), [{ path: "spec.domains[0]", message: /wildcard/ }]],
  ["domain with scheme and path", one("acme", { domains: ["https://acme.com/x"] }), [{ path: "spec.domains[0]", message: /not a valid hostname/ }]],
  ["single-label domain", one("acme", { domains: ["localhost"] }), [{ path: "spec.domains[0]", message: /not a valid hostname/ }]],
  ["uppercase domain", one("acme", { domains: ["ACME.example.com"] }), [{ path: "spec.domains[0]", message: /not a valid hostname/ }]],
  ["no domain at all", one("acme", { domains: [] }), [{ path: "spec.domains", message: /at least one domain/ }]],
  ["unknown tier", one("acme", { tier: "smal" }), [{ path: "spec.tier", message: /unknown tier 'smal'/ }]],
  ["typo in a spec field", withSpec({ tierr: "small" }), [{ path: "spec.tierr", message: /unknown field/ }]],
  ["typo in an override", withOverrides({ app: { replica: 2 } }), [{ path: "spec.overrides.app.replica", message: /unknown field/ }]],
  [
    "override disables default-deny",
    withOverrides({ security: { defaultDenyNetworkPolicy: false } }),
    [{ path: "spec.overrides.security.defaultDenyNetworkPolicy", message: /cannot be switched off/ }],
  ],
  ["override removes the quota", withOverrides({ security: { resourceQuota: false } }), [{ path: "spec.overrides.security.resourceQuota", message: /cannot be switched off/ }]],
  ["override widens RBAC", withOverrides({ security: { namespaceScopedRbac: false } }), [{ path: "spec.overrides.security.namespaceScopedRbac", message: /cannot be switched off/ }]],
  ["quota above the tier", withOverrides({ quota: { cpu: "100" } }), [{ path: "spec.overrides.quota.cpu", message: /exceeds tier 'small' ceiling/ }]],
  ["replicas above the tier ceiling", withOverrides({ app: { autoscaling: { maxReplicas: 10 } } }), [{ path: "spec.overrides.app.autoscaling.maxReplicas", message: /ceiling of 6/ }]],
  ["database instances above the tier", withOverrides({ database: { instances: 3 } }), [{ path: "spec.overrides.database.instances", message: /ceiling of 1/ }]],
  ["negative cpu", withOverrides({ app: { resources: { requests: { cpu: "-1" } } } }), [{ path: "spec.overrides.app.resources.requests.cpu", message: /not a Kubernetes quantity/ }]],
  ["absurd memory", withOverrides({ quota: { memory: "999Pi" } }), [{ path: "spec.overrides.quota.memory", message: /at most 64Ti/ }]],
  ["zero replicas", withOverrides({ app: { replicas: 0 } }), [{ path: "spec.overrides.app.replicas", message: /at least 1/ }]],
  ["fractional replicas", withOverrides({ app: { replicas: 1.5 } }), [{ path: "spec.overrides.app.replicas", message: /whole number/ }]],
  ["replicas as text", withOverrides({ app: { replicas: "three" } }), [{ path: "spec.overrides.app.replicas", message: /whole number/ }]],
  [
    "HPA ceiling does not fit the quota",
    withOverrides({ app: { autoscaling: { maxReplicas: 6 }, resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } } }),
    [{ path: "spec.overrides.quota.memory", message: /does not fit the quota/ }],
  ],
  ["request above limit", withOverrides({ app: { resources: { requests: { cpu: "2" } } } }), [{ path: "spec.overrides.app.resources.requests.cpu", message: /above its limit/ }]],
  ["replicas above maxReplicas", withOverrides({ app: { replicas: 4, autoscaling: { maxReplicas: 3 } } }), [{ path: "spec.overrides.app.replicas", message: /above autoscaling.maxReplicas/ }]],
  ["secret written as env", withOverrides({ app: { env: { STRIPE_API_KEY: "sk_live_x" } } }), [{ path: "spec.overrides.app.env.STRIPE_API_KEY", message: /looks like a secret/ }]],
  ["platform env overridden", withOverrides({ app: { env: { DATABASE_URL: "postgres://x" } } }), [{ path: "spec.overrides.app.env.DATABASE_URL", message: /set by the platform/ }]],
  ["missing displayName", withSpec({ displayName: undefined }), [{ path: "spec.displayName", message: /required/ }]],
  ["bad email", withSpec({ contacts: { email: "ops-at-acme" } }), [{ path: "spec.contacts.email", message: /not an email/ }]],
  ["unknown compliance tag", withSpec({ compliance: ["gdrp"] }), [{ path: "spec.compliance[0]", message: /unknown compliance tag/ }]],
  ["pinned to an unknown cluster", withSpec({ placement: { cluster: "aks-nowhere" } }), [{ path: "spec.placement.cluster", message: /not in landlord.yaml/ }]],
  ["region without clusters", withSpec({ region: "antarctica" }), [{ path: "spec.region", message: /no cluster in region/ }]],
  ["version that is no image tag", withSpec({ version: "1.0 beta" }), [{ path: "spec.version", message: /image tag/ }]],
  [
    "maintenance window at 25:00",
    withSpec({ maintenanceWindow: { days: ["sun"], start: "25:00", durationMinutes: 60 } }),
    [{ path: "spec.maintenanceWindow.start", message: /HH:MM/ }],
  ],
  ["invalid webhook secret key", withSpec({ contacts: { email: "a@b.co", alertWebhookSecretRef: { name: "hook", key: "a b" } } }), [{ path: "spec.contacts.alertWebhookSecretRef.key", message: /secret keys/ }]],
  ["version longer than a label value", withSpec({ version: "v".repeat(64) }), [{ path: "spec.version", message: /at most 63/ }]],
  ["a platform label key", [raw(file, stringify({ ...tenantDoc("acme"), metadata: { name: "acme", labels: { "kubernetes.io/metadata.name": "kube-system" } } }))], [{ path: "metadata.labels.kubernetes.io/metadata.name", message: /set by the platform/ }]],
  ["an unknown rollout wave", [raw(file, stringify({ ...tenantDoc("acme"), metadata: { name: "acme", labels: { "landlord.dev/wave": "w25" } } }))], [{ path: "metadata.labels.landlord.dev/wave", message: /not a rollout wave/ }]],
  ["webhook secret named like the bundle's own", withSpec({ contacts: { email: "a@b.co", alertWebhookSecretRef: { name: "db-app", key: "url" } } }), [{ path: "spec.contacts.alertWebhookSecretRef.name", message: /used by the tenant's own bundle/ }]],
  ["a secret word inside an env name", withOverrides({ app: { env: { AWS_SECRET_ACCESS_KEY_ID: "x" } } }), [{ path: "spec.overrides.app.env.AWS_SECRET_ACCESS_KEY_ID", message: /looks like a secret/ }]],
  ["a password inside a URL", withOverrides({ app: { env: { CACHE_URL: "redis://user:hunter2@cache:6379" } } }), [{ path: "spec.overrides.app.env.CACHE_URL", message: /URL with a password/ }]],
  ["backup schedule out of range", withOverrides({ database: { backup: { schedule: "0 0 25 * * *" } } }), [{ path: "spec.overrides.database.backup.schedule", message: /six-field cron/ }]],
  ["a pin that contradicts the region", withSpec({ region: "northeurope", placement: { cluster: "aks-weu-1" } }), [{ path: /spec\.(placement\.cluster|region)/, message: /no cluster in region|is in westeurope/ }]],
  ["wrong apiVersion", [raw(file, stringify({ ...tenantDoc("acme"), apiVersion: "v1" }))], [{ path: "apiVersion", message: /landlord.dev\/v1alpha1/ }]],
  ["wrong kind", [raw(file, stringify({ ...tenantDoc("acme"), kind: "Customer" }))], [{ path: "kind", message: /kind must be Tenant/ }]],
  ["a document that is a list", [raw(file, "- a\n- b\n")], [{ path: "", message: /expected object/ }]],
];

const encoder = new TextEncoder();
const fileCases: [string, RawFile, RegExp][] = [
  ["empty file", raw(file, ""), /file is empty/],
  ["only comments and separators", raw(file, "# nothing\n---\n---\n"), /empty/],
  ["binary file", { file, bytes: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]) }, /binary/],
  ["not UTF-8", { file, bytes: new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe]) }, /not valid UTF-8/],
  ["huge file", { file, bytes: encoder.encode(`# ${"x".repeat(MAX_FILE_BYTES + 10)}\n`) }, /larger than/],
  [
    "alias bomb",
    raw(
      file,
      ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)].join("\n") + "\n",
    ),
    /alias bomb/,
  ],
  ["YAML syntax error", raw(file, "metadata: {name: acme\nspec: [\n"), /YAML/],
  ["duplicate keys", raw(file, "apiVersion: a\napiVersion: b\n"), /YAML.*[Dd]uplicate|unique/],
];

describe("tenant specs are refused with the field and the fix", () => {
  const ctx = platform();
  test.each(tenantCases)("%s", (_name, files, expected) => {
    expectProblems(problemsOf(() => loadFleet(ctx, files)), expected);
  });
  test.each(fileCases)("%s", (_name, rawFile, message) => {
    expectProblems(problemsOf(() => loadFleet(ctx, [rawFile])), [{ file, path: /.*/, message }]);
  });

  test("every problem of every file is reported at once", () => {
    const problems = problemsOf(() =>
      loadFleet(ctx, [
        tenantFile("acme", { tier: "smal", domains: ["*.acme.com"] }),
        tenantFile("globex", { overrides: { quota: { pods: 0 } } }),
        raw("tenants/empty.yaml", ""),
      ]),
    );
    expectProblems(problems, [
      { file, path: "spec.tier", message: /unknown tier/ },
      { file, path: "spec.domains[0]", message: /wildcard/ },
      { file: "tenants/globex.yaml", path: "spec.overrides.quota.pods", message: /at least 1/ },
      { file: "tenants/empty.yaml", path: "", message: /empty/ },
    ]);
  });

  test("the second document of a file is named in the path", () => {
    const text = `${stringify(tenantDoc("acme"))}---\n${stringify({ ...tenantDoc("globex"), kind: "Tenantt" })}`;
    expectProblems(problemsOf(() => loadFleet(ctx, [raw(file, text)])), [{ file, path: "document 2: kind", message: /kind must be Tenant/ }]);
  });

  test("a typo gets a suggestion on both sides", () => {
    const problems = problemsOf(() => loadFleet(ctx, withSpec({ tierr: "small", tier: undefined })));
    expect(problems.find((p) => p.path === "spec.tier")?.fix).toBe("rename 'tierr' to 'tier'");
    expect(problems.find((p) => p.path === "spec.tierr")?.fix).toBe("did you mean 'tier'?");
  });
});

const platformCases: [string, string, Expect][] = [
  ["defaults switch isolation off", platformWith(["defaults", "security", "defaultDenyNetworkPolicy"], false), { path: "defaults.security.defaultDenyNetworkPolicy", message: /cannot be switched off/ }],
  ["a tier without quota anywhere", platformWith(["tiers", "small", "quota"], undefined), { path: /^tiers\.small\.quota/, message: /required/ }],
  ["nodepool tier without a pool", platformWith(["tiers", "medium", "nodePool"], undefined), { path: "tiers.medium.nodePool", message: /needs a nodePool/ }],
  ["typo at the top level", platformWith(["teirs"], {}), { path: "teirs", message: /unknown field/ }],
  ["a tier that does not fit its own quota", platformWith(["tiers", "small", "quota", "pods"], 3), { path: "tiers.small.quota.pods", message: /does not fit/ }],
  ["cluster listed twice", platformWith(["clusters", 1], { name: "aks-weu-1", region: "westeurope", nodePools: [{ name: "x", role: "shared", vmSize: "a", count: 1, hourlyPrice: 1, allocatable: { cpu: "1", memory: "1Gi", pods: 10 } }] }), { path: "clusters[1].name", message: /listed twice/ }],
  ["money as a float", platformWith(["tiers", "small", "price", "monthly"], 49.99), { path: "tiers.small.price.monthly", message: /minor units/ }],
  ["a node pool whose minimum exceeds its maximum", platformWith(["tiers", "medium", "nodePool", "minCount"], 9), { path: "tiers.medium.nodePool.minCount", message: /above maxCount/ }],
  ["an unknown isolation mode", platformWith(["tiers", "small", "isolation"], "vm"), { path: "tiers.small.isolation", message: /namespace, nodepool or cluster/ }],
];

describe("landlord.yaml is refused with the field and the fix", () => {
  test.each(platformCases)("%s", (_name, text, expected) => {
    expectProblems(problemsOf(() => loadPlatform(raw("landlord.yaml", text))), [{ file: "landlord.yaml", ...expected }]);
  });
});
