/**
 * Runs one onboarding in its own process and kills that process with SIGKILL at a chosen
 * point — no cleanup, no finally blocks, like a power cut or the OOM killer:
 *   - killAfter "<step>": as soon as that step's success is recorded in the store;
 *   - killAfter "apply-mid": inside the apply step, after the delivery wrote one file.
 * Prints the workflow id first; reaching the end prints the run's result (the test fails then).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectoryDelivery } from "../../../../src/delivery/directory/directory-delivery.js";
import { openStore } from "../../../../src/store/store.js";
import { runTenantWorkflow } from "../../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../../../../src/workflows/tenant/submit.js";
import { harness, platformFromText, type Folders } from "./harness.js";
import { HookedDelivery } from "./hooked-delivery.js";

export interface OnboardChildArgs {
  readonly url: string;
  readonly baseDir: string;
  readonly platformText: string;
  readonly spec: Record<string, unknown>;
  readonly folders: Folders;
  readonly killAfter: string;
  readonly leaseTtlMs: number;
  /** "process": the real owner id (host:pid:nonce), so the parent can see the child died; default "child". */
  readonly owner?: string;
}

const args = JSON.parse(process.argv[2] ?? "{}") as OnboardChildArgs;
const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent");
};

const store = await openStore({ url: args.url, baseDir: args.baseDir });
const directory = new DirectoryDelivery(args.folders.outDir);
const delivery =
  args.killAfter === "apply-mid"
    ? new HookedDelivery(directory, {
        // The first of the tenant's files, written whole, then the process dies before the rest.
        async beforeApply(bundle, tenantSpecYaml) {
          await mkdir(join(args.folders.outDir, bundle.tenant), { recursive: true });
          await writeFile(join(args.folders.outDir, bundle.tenant, "tenant.yaml"), tenantSpecYaml);
          die();
        },
      })
    : directory;
const h = harness({
  store,
  platform: platformFromText(args.platformText),
  folders: args.folders,
  delivery,
  ...(args.owner === "process" ? {} : { owner: args.owner ?? "child" }),
  leaseTtlMs: args.leaseTtlMs,
  onProgress: (e) => {
    if (e.type === "step-succeeded" && e.step === args.killAfter) die();
  },
});
const wf = await submitOnboard(h.services, h.engine, args.spec, "child", new Date());
process.stdout.write(`${wf.id}\n`);
const result = await runTenantWorkflow(h.services, h.engine, wf.id);
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
