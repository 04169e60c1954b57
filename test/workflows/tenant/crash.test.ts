/**
 * Crash recovery of onboarding for real: a child process runs an onboarding and SIGKILLs
 * itself right after a step's success is recorded (every one of the nine steps), or in the
 * middle of the apply step after the delivery wrote one file. The parent resumes the
 * workflow once the child's short lease has expired, and the result must be
 * indistinguishable from a clean run: same files, one tenant, one workflow, one token.
 * Every kill point runs on both backends; the kill points run concurrently, and the child
 * is a pre-bundled script (support/compiled-script.ts), which keeps the file near 20 s.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, test } from "vitest";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import { openStore, type Store } from "../../../src/store/index.js";
import type { RunResult } from "../../../src/workflows/engine/index.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, useBackend } from "../../store/support/backends.js";
import { exited, lines } from "../../store/support/child-process.js";
import { compileScript, type Spawner } from "./support/compiled-script.js";
import {
  exists,
  fileMode,
  finishedStatus,
  foldersUnder,
  harness,
  ONBOARD_STEPS,
  onboard,
  platformFromText,
  sleep,
  traces,
  tree,
} from "./support/harness.js";
import type { OnboardChildArgs } from "./support/onboard-child.js";

const LEASE_TTL_MS = 1_500;
const KILL_POINTS = [...ONBOARD_STEPS, "apply-mid"].map((killAfter) => ({
  killAfter,
  when: killAfter === "apply-mid" ? "mid-apply, one file written" : `right after ${killAfter} succeeded`,
}));
const ctx = platformFromText(PLATFORM_TEMPLATE);

/** Outputs that do not depend on where files went or how long things took. */
const STABLE_OUTPUTS = ["validate", "reserve", "render", "cloud-resources", "wait-ready"];

describe.each(BACKENDS)("onboarding killed with SIGKILL on $name", (factory) => {
  const backend = useBackend(factory);
  let store: Store | undefined;
  let root = "";
  let spawnChild: Spawner | undefined;
  beforeAll(async () => {
    store = await openStore({ url: backend.url, baseDir: backend.baseDir });
    root = await mkdtemp(join(tmpdir(), "landlord-crash-"));
    spawnChild = await compileScript("test/workflows/tenant/support/onboard-child.ts", root);
  });
  afterAll(async () => {
    await store?.close();
    await rm(root, { recursive: true, force: true });
  });

  test.concurrent.for(KILL_POINTS)("killed $when: resumed after the lease expires, it ends exactly like a clean run", async ({ killAfter }, { expect }) => {
    if (!store || !spawnChild) throw new Error("not set up");
    const name = `crash-${killAfter}`;
    const spec = tenantDoc(name);
    const folders = foldersUnder(join(root, killAfter));

    // The clean run to compare with: same spec, a store of its own, folders of its own.
    const cleanStore = await openStore({ url: ":memory:", baseDir: root });
    const clean = harness({ store: cleanStore, platform: ctx, folders: foldersUnder(join(root, `${killAfter}-clean`)) });
    const cleanRun = await onboard(clean, spec);
    expect(finishedStatus(cleanRun.result)).toBe("Succeeded");
    const cleanOutputs = new Map((await cleanStore.workflows.steps(cleanRun.wf.id)).map((s) => [s.name, s.output]));
    await cleanStore.close();

    const args: OnboardChildArgs = { url: backend.url, baseDir: backend.baseDir, platformText: PLATFORM_TEMPLATE, spec, folders, killAfter, leaseTtlMs: LEASE_TTL_MS };
    const child = spawnChild(args);
    const output = lines(child);
    expect(await exited(child)).toEqual({ code: null, signal: "SIGKILL" });
    const id = await output.next();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await output.next()).toBe("");

    // What the dead process left behind.
    const killedAt = killAfter === "apply-mid" ? ONBOARD_STEPS.indexOf("apply") : ONBOARD_STEPS.indexOf(killAfter as (typeof ONBOARD_STEPS)[number]);
    expect(await store.workflows.require(id)).toMatchObject({ status: "Running", leaseOwner: "child", attempt: 1 });
    expect((await store.workflows.steps(id)).map((s) => [s.name, s.status])).toEqual(
      ONBOARD_STEPS.map((n, i) => [n, i < killedAt || (i === killedAt && killAfter !== "apply-mid") ? "Succeeded" : i === killedAt ? "Running" : "Pending"]),
    );
    if (killAfter === "apply-mid") expect([...(await tree(folders.outDir)).keys()]).toEqual([`${name}/tenant.yaml`]);

    // Resume as crash recovery would, once the child's lease has run out.
    const parent = harness({ store, platform: ctx, folders, owner: "parent", leaseTtlMs: LEASE_TTL_MS });
    let result: RunResult = { outcome: "busy" };
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      result = await runTenantWorkflow(parent.services, parent.engine, id);
      if (result.outcome !== "busy") break;
      await sleep(100);
    }
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(await store.workflows.require(id)).toMatchObject({ status: "Succeeded", attempt: 2, leaseOwner: null });

    // One tenant, one workflow, one token, the two audit entries; every step succeeded, and
    // only the step the kill cut short ran twice.
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready", generation: 1, domains: [`${name}.apps.example.com`] });
    expect(await traces(store, name)).toEqual({ tenant: true, domains: 1, workflows: 1, audit: 2, tokens: 1 });
    expect((await store.audit.list({ tenantName: name })).map((e) => e.action)).toEqual(["tenant.onboard-requested", "tenant.onboarded"]);
    const steps = await store.workflows.steps(id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual(
      ONBOARD_STEPS.map((n) => [n, "Succeeded", killAfter === "apply-mid" && n === "apply" ? 2 : 1]),
    );
    for (const s of steps) expect(s.durationMs, s.name).toEqual(expect.any(Number));
    for (const s of STABLE_OUTPUTS) expect(steps.find((x) => x.name === s)?.output, s).toEqual(cleanOutputs.get(s));

    // The delivered files are byte for byte the clean run's, and nothing else is there.
    const files = await tree(folders.outDir);
    expect([...files.keys()]).toEqual([`${name}/kubernetes.yaml`, `${name}/tenant.yaml`, `${name}/terraform.tfvars.json`]);
    expect(files).toEqual(await tree(clean.outDir));
    expect([...(await tree(folders.credentialsDir)).keys()]).toEqual([`${name}/api-token`]);
    expect(await exists(folders.workspaceDir)).toBe(false);
    const tokenFile = join(folders.credentialsDir, name, "api-token");
    expect(await fileMode(tokenFile)).toBe(0o600);
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect(await store.tokens.verify(token)).toMatchObject({ id: `onboard-${id}`, tenantName: name });
  });
});
