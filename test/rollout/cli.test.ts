/** `landlord release` and `landlord rollout` at the command line (directory delivery, no gates): output, exit codes, bad input. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";

let dir: string;

async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(argv, io), stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-rollout-cli-"));
  await writeFile(join(dir, "landlord.yaml"), `${PLATFORM_TEMPLATE}\n${stringify({ rollout: { bakeSeconds: 0, maxParallel: 2 } })}`);
  for (const n of ["cli-a", "cli-b", "cli-c"]) {
    const r = await landlord("onboard", n, "--tier", "small", "--domain", `${n}.apps.example.com`, "--contact", `ops@${n}.example.com`);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("landlord release and rollout commands", () => {
  it("create a release once; a bad version or a second create is refused with the reason", async () => {
    expect((await landlord("release", "create", "2.0.0", "--env", "NEW_CHECKOUT=on", "--flag", "DARK_MODE=true")).code).toBe(0);
    const again = await landlord("release", "create", "2.0.0");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; releases never change/);
    const bad = await landlord("release", "create", "not a tag");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/version.*image tag/);
    expect((await landlord("release", "list")).stdout).toMatch(/2\.0\.0\s+\(default\)\s+NEW_CHECKOUT,DARK_MODE/);
  });

  it("a plan file with a mistake is refused naming the field and the fix, nothing started", async () => {
    await writeFile(join(dir, "bad-plan.yaml"), stringify({ rollout: { onFailure: "shrug", waves: [{ name: "all", percent: 50 }] } }));
    const r = await landlord("rollout", "start", "2.0.0", "--plan", "bad-plan.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-plan\.yaml.*onFailure/);
    await writeFile(join(dir, "bad-plan.yaml"), stringify({ rollout: { waves: [{ name: "all", percent: 50 }] } }));
    const waves = await landlord("rollout", "start", "2.0.0", "--plan", "bad-plan.yaml");
    expect(waves.code).toBe(2);
    expect(waves.stderr).toMatch(/waves\[0\]\.percent.*end with percent: 100/);
    expect((await landlord("rollout", "history")).stdout).toBe("No rollouts.\n");
  });

  it("dry run prints the plan; start runs it to the end; status and history show it; retry of a success is refused", async () => {
    const dry = await landlord("rollout", "start", "2.0.0", "--dry-run");
    expect(dry.stdout).toMatch(/canary: 1 tenants/);
    const start = await landlord("rollout", "start", "2.0.0");
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/rollout Succeeded: 3 tenants on 2\.0\.0/);
    const status = await landlord("rollout", "status", "-o", "json");
    const doc = JSON.parse(status.stdout) as { state: string; targets: { state: string }[]; events: unknown[] };
    expect(doc.state).toBe("Succeeded");
    expect(doc.targets.every((t) => t.state === "done")).toBe(true);
    expect((await landlord("rollout", "history")).stdout).toMatch(/2\.0\.0\s+Succeeded/);
    const retry = await landlord("rollout", "retry");
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(/cannot retry a rollout that is Succeeded/);
    const described = await landlord("describe", "tenant", "cli-a", "-o", "json");
    expect(described.stdout).toMatch(/"version": "2\.0\.0"/);
    expect(described.stdout).toMatch(/NEW_CHECKOUT/);
  });
});
