/**
 * Issue 23's classes at validation: image repositories (not hosts), the platform's own
 * hostnames, backup ceilings and billing identities. Families of strings get property tests.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { RESERVED_HOST_LABELS } from "../../src/spec/platform-schema.js";
import { allowedRegistries, imageAllowed } from "../../src/spec/registries.js";
import { shortestIntervalSeconds } from "../../src/spec/backup-schedule.js";
import { fleetProblems as problems, platform, tenantFile } from "../support/fixtures.js";

const withPolicy = (lines: string): string => PLATFORM_TEMPLATE.replace("  ceilingExceptions: []", `  ceilingExceptions: []\n${lines}`);

describe("class 1: images are allowed by repository", () => {
  it("the default list names repositories, never a bare host", () => {
    const list = allowedRegistries(platform().config);
    expect(list).toContain("registry.example.com/saas/app");
    expect(list).toContain("ghcr.io/cloudnative-pg/postgresql");
    expect(list.filter((e) => !e.includes("/"))).toEqual([]);
  });

  it("refuses any other repository on an allowed host, as the app or as the database", () => {
    const segment = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    fc.assert(
      fc.property(segment, segment, (org, repo) => {
        fc.pre(org !== "cloudnative-pg");
        const image = `ghcr.io/${org}/${repo}`;
        expect(problems([tenantFile("acme", { overrides: { app: { image } } })])).toEqual([`spec.overrides.app.image: repository of '${image}' is not allowed`]);
        expect(problems([tenantFile("acme", { overrides: { database: { imageName: `${image}:16` } } })])[0]).toMatch(/^spec\.overrides\.database\.imageName: repository of/);
      }),
      { numRuns: 40 },
    );
  });

  it("an entry admits itself and what is below it, never a sibling that only starts the same", () => {
    const entry = "registry.example.com/saas/app";
    const tail = fc.stringMatching(/^[a-z0-9._-]{1,10}$/);
    fc.assert(
      fc.property(tail, (t) => {
        expect(imageAllowed(`${entry}:${t}`, [entry])).toBe(true);
        expect(imageAllowed(`${entry}/${t}`, [entry])).toBe(true);
        expect(imageAllowed(`${entry}${t}`, [entry])).toBe(false);
        expect(imageAllowed(`${entry}${t}:1.0`, [entry])).toBe(false);
      }),
    );
  });

  it("an entry with a digest admits that digest only", () => {
    const d = `sha256:${"a".repeat(64)}`;
    const entry = `registry.example.com/saas/app@${d}`;
    expect(imageAllowed(`registry.example.com/saas/app@${d}`, [entry])).toBe(true);
    expect(imageAllowed(`registry.example.com/saas/app:1.0@${d}`, [entry])).toBe(true);
    expect(imageAllowed("registry.example.com/saas/app:1.0", [entry])).toBe(false);
    expect(imageAllowed(`registry.example.com/saas/app@sha256:${"b".repeat(64)}`, [entry])).toBe(false);
    const pinned = withPolicy(`  allowedRegistries: [registry.example.com/saas/app@${d}, ghcr.io/cloudnative-pg/postgresql]`);
    // A spec names a repository and a tag; against a digest-only entry, the repository alone is not enough.
    expect(problems([tenantFile("acme", { spec: { version: "1.0" } })], pinned)).toEqual(["spec.overrides.app.image: repository of 'registry.example.com/saas/app' is not allowed"]);
  });
});

describe("class 4: the platform's own hostnames", () => {
  it("refuses the default reserved labels as tenant names", () => {
    for (const name of RESERVED_HOST_LABELS) {
      expect(problems([tenantFile(name)]), name).toContain(`metadata.name: '${name}' would be served at ${name}.apps.example.com, a host the platform keeps for itself`);
    }
  });

  it("refuses a name or a domain on a host any URL of landlord.yaml names", () => {
    // Any http(s) URL of landlord.yaml counts, wherever it sits.
    const cfg = PLATFORM_TEMPLATE.replace(/oidcIssuerUrl: https:\/\/[^\s]+/, "oidcIssuerUrl: https://console.apps.example.com/issuer");
    expect(problems([tenantFile("console")], cfg)).toContain("metadata.name: 'console' would be served at console.apps.example.com, and landlord.yaml serves console.apps.example.com there");
    expect(problems([tenantFile("acme", { domains: ["acme.apps.example.com", "apps.example.com"] })], cfg).join("\n")).toMatch(/'apps\.example\.com' is above the platform's own host console\.apps\.example\.com/);
    expect(problems([tenantFile("consoles")], cfg)).toEqual([]);
  });

  it("whatever host a URL of landlord.yaml names under the zone, no tenant takes it", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/), (label) => {
        fc.pre(!(RESERVED_HOST_LABELS as readonly string[]).includes(label));
        const cfg = PLATFORM_TEMPLATE.replace(/oidcIssuerUrl: https:\/\/[^\s]+/, `oidcIssuerUrl: https://${label}.apps.example.com/`);
        expect(problems([tenantFile(label)], cfg)[0]).toMatch(/and landlord\.yaml serves/);
        expect(problems([tenantFile("acme", { domains: ["acme.apps.example.com", `x.${label}.apps.example.com`] })], cfg).join("\n")).toMatch(/is under the platform's own host/);
      }),
      { numRuns: 25 },
    );
  });

  it("the operator's own list replaces the default", () => {
    const cfg = PLATFORM_TEMPLATE.replace(/^platform:\n/m, "platform:\n  reservedHostLabels: [billing]\n");
    expect(problems([tenantFile("billing")], cfg)[0]).toMatch(/'billing' would be served at billing\.apps\.example\.com/);
    expect(problems([tenantFile("grafana")], cfg)).toEqual([]);
  });
});

describe("class 5: backup retention and schedule have ceilings", () => {
  it("refuses a retention above the tier's ceiling, and above the tier's own when it sets none", () => {
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { retentionDays: 3650 } } } })])).toEqual([
      "spec.overrides.database.backup.retentionDays: 3650 days exceeds tier 'small' ceiling of 14 days",
    ]);
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { retentionDays: 14 } } } })])).toEqual([]);
    const noCeiling = PLATFORM_TEMPLATE.replace(", maxBackupRetentionDays: 14", "");
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { retentionDays: 8 } } } })], noCeiling)).toEqual([
      "spec.overrides.database.backup.retentionDays: 8 days exceeds tier 'small' ceiling of 7 days",
    ]);
  });

  it("refuses a schedule more often than hourly in any layer, and busier than the tier's", () => {
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { schedule: "* * * * * *" } } } })])[0]).toMatch(/backup\.schedule: .*more often than once an hour/);
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { schedule: "0 0 * * * *" } } } })])).toEqual([
      "spec.overrides.database.backup.schedule: '0 0 * * * *' runs every 1h, more often than tier 'small' allows (every 1d at most)",
    ]);
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { schedule: "0 30 4 * * *" } } } })])).toEqual([]);
    const hourly = PLATFORM_TEMPLATE.replace("maxBackupRetentionDays: 14", "maxBackupRetentionDays: 14, minBackupIntervalMinutes: 60");
    expect(problems([tenantFile("acme", { overrides: { database: { backup: { schedule: "0 0 */2 * * *" } } } })], hourly)).toEqual([]);
  });

  it("measures the shortest gap of any six-field schedule", () => {
    expect(shortestIntervalSeconds("* * * * * *")).toBe(1);
    expect(shortestIntervalSeconds("0 */15 * * * *")).toBe(900);
    expect(shortestIntervalSeconds("0 0 2 * * *")).toBe(86_400);
    expect(shortestIntervalSeconds("0 0 1,23 * * *")).toBe(2 * 3600);
    expect(shortestIntervalSeconds("0 0 9-17/4 * * 1-5")).toBe(4 * 3600);
    // Never longer than the gap between two of its runs on consecutive days.
    const field = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(","));
    fc.assert(
      fc.property(field(59), field(59), field(23), (s, m, h) => {
        const got = shortestIntervalSeconds(`${s} ${m} ${h} * * *`);
        const times = h.split(",").flatMap((hh) => m.split(",").flatMap((mm) => s.split(",").map((ss) => Number(hh) * 3600 + Number(mm) * 60 + Number(ss))));
        const sorted = [...new Set(times)].sort((a, b) => a - b);
        const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] ?? 0));
        gaps.push((sorted[0] ?? 0) + 86_400 - (sorted.at(-1) ?? 0));
        expect(got).toBe(Math.min(...gaps));
      }),
    );
  });
});

describe("class 7: one billing identity per tenant", () => {
  it("refuses a customerId equal to another tenant's name", () => {
    expect(problems([tenantFile("acme"), tenantFile("globex", { spec: { customerId: "acme" } })])).toEqual([
      "spec.customerId: customer 'acme' is already claimed by tenant 'acme' in tenants/acme.yaml",
    ]);
    expect(problems([tenantFile("globex", { spec: { customerId: "acme" } }), tenantFile("acme")])).toEqual([
      "metadata.name: customer 'acme' is already claimed by tenant 'globex' in tenants/globex.yaml",
    ]);
  });
  it("allows a tenant its own name as customerId, and distinct ids", () => {
    expect(problems([tenantFile("acme", { spec: { customerId: "acme" } }), tenantFile("globex", { spec: { customerId: "g-1" } })])).toEqual([]);
  });
});
