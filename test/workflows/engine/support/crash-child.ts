/** Runs one workflow in its own process with a step that SIGKILLs it (see crash-workflow.ts). */
import { openStore } from "../../../../src/store/store.js";
import { createEngine } from "../../../../src/workflows/engine/engine.js";
import { crashWorkflow } from "./crash-workflow.js";

interface Args {
  url: string;
  baseDir: string;
  workflowId: string;
  effectsFile: string;
  crashIn: string;
  leaseTtlMs: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const store = await openStore({ url: args.url, baseDir: args.baseDir });
const engine = createEngine({
  store,
  workflows: [crashWorkflow(args.effectsFile, args.crashIn)],
  owner: "child",
  leaseTtlMs: args.leaseTtlMs,
});
const result = await engine.runWorkflow(args.workflowId);
// Reaching this line means the crash did not happen.
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
