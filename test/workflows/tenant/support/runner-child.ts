/**
 * Runs one onboarding in its own process with the CLI's own process wiring (lease owner
 * host:pid:nonce, processIo's signal handling) and a delivery that announces the apply
 * step, then either:
 *   - "kill-in-apply": SIGKILLs itself there (a runner dying, its lease still held);
 *   - "signal-in-apply": waits there for the parent's SIGINT/SIGTERM, finishes the step and
 *     stops at the next step boundary; prints what the CLI prints, exits with its code.
 * Prints the workflow id first, then "in-apply" when the apply step is entered.
 */
import { DirectoryDelivery } from "../../../../src/delivery/directory/directory-delivery.js";
import { describeError, exitCodeFor } from "../../../../src/cli/exit.js";
import { interruptibly, processIo } from "../../../../src/cli/io.js";
import { finishedOrThrow } from "../../../../src/cli/commands/tenants.js";
import { openStore } from "../../../../src/store/store.js";
import { runTenantWorkflow } from "../../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../../../../src/workflows/tenant/submit.js";
import { harness, platformFromText, type Folders } from "./harness.js";
import { HookedDelivery } from "./hooked-delivery.js";

export interface RunnerChildArgs {
  readonly url: string;
  readonly baseDir: string;
  readonly platformText: string;
  readonly spec: Record<string, unknown>;
  readonly folders: Folders;
  readonly mode: "kill-in-apply" | "signal-in-apply";
  readonly leaseTtlMs: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as RunnerChildArgs;
const io = processIo();
const store = await openStore({ url: args.url, baseDir: args.baseDir });
const delivery = new HookedDelivery(new DirectoryDelivery(args.folders.outDir), {
  async beforeApply() {
    process.stdout.write("in-apply\n");
    if (args.mode === "kill-in-apply") process.kill(process.pid, "SIGKILL");
    // The signal arrives while the step runs; the step itself completes.
    await new Promise((r) => setTimeout(r, 1_500));
  },
});
const h = harness({ store, platform: platformFromText(args.platformText), folders: args.folders, delivery, leaseTtlMs: args.leaseTtlMs });
const wf = await submitOnboard(h.services, h.engine, args.spec, "child", new Date());
process.stdout.write(`${wf.id}\n`);
const result = await interruptibly(io, (signal) => runTenantWorkflow(h.services, h.engine, wf.id, undefined, signal ? { signal } : {}));
let code = 0;
try {
  finishedOrThrow(result, `onboarding of ${wf.tenantName}`, wf.id);
} catch (err) {
  process.stdout.write(describeError(err));
  code = exitCodeFor(err);
}
await store.close();
process.exit(code);
