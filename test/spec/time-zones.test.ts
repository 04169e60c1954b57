/**
 * A tenant's maintenance window time zone is written verbatim into the fleet's Alertmanager
 * config, where Go loads it case-sensitively: validation accepts exact canonical names only
 * and refuses anything else with the field path and the fix (the case-corrected name when
 * there is one). Intl ignores case, so a check through Intl alone let 'europe/paris' in.
 */
import fc from "fast-check";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { InputError, type InputProblem } from "../../src/errors.js";
import { acceptedTimeZones, timeZoneProblem } from "../../src/spec/time-zones.js";
import { fleet, platform, tenantDoc, tenantFile } from "../support/fixtures.js";

const PATH = "spec.maintenanceWindow.timezone";
const ctx = platform();
const ZONES = acceptedTimeZones();
const accepted = new Set(ZONES);

function withZone(timezone: string) {
  return tenantFile("acme", { spec: { maintenanceWindow: { days: ["sun"], start: "02:00", durationMinutes: 60, timezone } } });
}

/** What validation says about this time zone: the problems at the field (none: valid). */
function validate(timezone: string): InputProblem[] {
  try {
    fleet(ctx, [withZone(timezone)]);
    return [];
  } catch (err) {
    if (err instanceof InputError) return err.problems.filter((p) => p.path === PATH);
    throw err;
  }
}

/** The zone with the case of each letter flipped where `flips` says so (zone names are ASCII). */
function recase(zone: string, flips: readonly boolean[]): string {
  return zone.replace(/./g, (c, i: number) => (flips[i] ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c));
}

const caseVariant = fc
  .constantFrom(...ZONES)
  .chain((zone) => fc.array(fc.boolean(), { minLength: zone.length, maxLength: zone.length }).map((flips) => ({ zone, variant: recase(zone, flips) })))
  .filter(({ zone, variant }) => variant !== zone);

describe("maintenance window time zones at validation", () => {
  it("accept every canonical name, and refuse every other spelling of it, naming the field and the exact name", () => {
    for (const zone of ZONES) expect(timeZoneProblem(zone), zone).toBeUndefined();
    expect(validate("Europe/Paris")).toEqual([]);
    expect(validate("UTC")).toEqual([]);
    // Both names of a zone IANA renamed: tzdata (and so Alertmanager) holds both, and Node versions list one or the other.
    expect(validate("Asia/Kolkata")).toEqual([]);
    expect(validate("Asia/Calcutta")).toEqual([]);
    fc.assert(
      fc.property(caseVariant, ({ zone, variant }) => {
        const problems = validate(variant);
        expect(problems, variant).toHaveLength(1);
        expect(problems[0]?.file).toBe("tenants/acme.yaml");
        expect(problems[0]?.message).toContain(`'${variant}'`);
        expect(problems[0]?.message).toMatch(/case-sensitive/);
        expect(problems[0]?.fix).toBe(`use the canonical IANA name '${zone}'`);
      }),
      { numRuns: 300 },
    );
  });

  it("refuse unknown zones, Local, aliases, fixed offsets, empty and odd strings, each with a fix", () => {
    const unknownShaped = fc.stringMatching(/^[A-Z][a-z]{2,9}\/[A-Z][a-z]{2,11}(_[A-Z][a-z]{2,8})?$/);
    const anything = fc.string({ maxLength: 80 });
    fc.assert(
      fc.property(fc.oneof(unknownShaped, anything), (tz) => {
        fc.pre(!accepted.has(tz));
        const problems = validate(tz);
        expect(problems, JSON.stringify(tz)).toHaveLength(1);
        expect(problems[0]?.fix).toMatch(/IANA name|did you mean/);
      }),
      { numRuns: 300 },
    );
    const cases: [string, RegExp, RegExp][] = [
      ["Mars/Olympus", /'Mars\/Olympus' is not a known time zone/, /e\.g\. Europe\/Paris/],
      ["Local", /'Local' is the Alertmanager server's own time zone/, /e\.g\. Europe\/Paris/],
      ["local", /'Local' is the Alertmanager server's own time zone/, /e\.g\. Europe\/Paris/],
      ["", /empty/, /e\.g\. Europe\/Paris/],
      ["utc", /case-sensitive/, /'UTC'/],
      ["Etc/UTC", /alias/, /'UTC'/],
      ["US/Eastern", /alias/, /'America\/New_York'/],
      ["Etc/GMT+5", /fixed-offset/, /e\.g\. Europe\/Paris/],
      ["Europe/Pari", /not a known time zone/, /did you mean 'Europe\/Paris'/],
      ["Europe/Paris ", /not a time zone name/, /e\.g\. Europe\/Paris/],
    ];
    for (const [tz, message, fix] of cases) {
      const problems = validate(tz);
      expect(problems, JSON.stringify(tz)).toHaveLength(1);
      expect(problems[0]?.message).toMatch(message);
      expect(problems[0]?.fix).toMatch(fix);
    }
  });

  it("no two accepted names differ only in case (so a case variant is never another zone)", () => {
    expect(new Set(ZONES.map((z) => z.toLowerCase())).size).toBe(ZONES.length);
    expect(ZONES).toContain("UTC");
    expect(ZONES).not.toContain("Local");
  });

  it("landlord validate refuses the file with exit 2 and says which name to write", async () => {
    const ws = await mkdtemp(join(tmpdir(), "landlord-tz-"));
    try {
      let stderr = "";
      const io: CliIo = { stdout: () => undefined, stderr: (t) => (stderr += t), cwd: ws, env: {} };
      expect(await run(["init"], io)).toBe(0);
      await mkdir(join(ws, "tenants"), { recursive: true });
      const doc = tenantDoc("acme", { spec: { maintenanceWindow: { days: ["sun"], start: "02:00", durationMinutes: 60, timezone: "europe/paris" } } });
      await writeFile(join(ws, "tenants", "acme.yaml"), stringify(doc));
      stderr = "";
      expect(await run(["validate", "-f", "tenants/acme.yaml"], io)).toBe(2);
      expect(stderr).toContain(
        "tenants/acme.yaml: spec.maintenanceWindow.timezone: 'europe/paris' differs from the time zone 'Europe/Paris' in case: names are case-sensitive, and Alertmanager refuses this spelling (fix: use the canonical IANA name 'Europe/Paris')",
      );
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  });
});
