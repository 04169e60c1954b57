#!/usr/bin/env node
/**
 * `npm run cluster:up` / `npm run cluster:down`: a local control plane for trials, with the
 * platform's CRDs and a shared pool of fake nodes. Prints the kubeconfig path.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { startControlPlane, stopControlPlane } from "./control-plane.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "./seed.js";

export function defaultCrdsDir(cwd: string): string {
  return process.env.LANDLORD_CRDS_DIR ?? resolve(cwd, "..", "shared", "crds");
}

async function up(dir: string): Promise<void> {
  const state = await startControlPlane({ dir, log: (l) => process.stderr.write(`${l}\n`) });
  const kc = adminConfig(state.kubeconfig);
  await waitSeeded(kc);
  const crds = defaultCrdsDir(process.cwd());
  if (existsSync(crds)) {
    const names = await installCrds(kc, crds);
    process.stderr.write(`installed ${String(names.length)} CRDs from ${crds}\n`);
  } else {
    process.stderr.write(`no CRDs installed: ${crds} does not exist (set LANDLORD_CRDS_DIR)\n`);
  }
  const nodes = await addNodes(kc, { pool: "shared", count: 3 });
  process.stderr.write(`nodes Ready: ${nodes.join(", ")}\nstop it with: npm run cluster:down\n`);
  process.stdout.write(`${state.kubeconfig}\n`);
}

async function main(): Promise<void> {
  const [verb] = process.argv.slice(2);
  const dir = resolve(process.env.LANDLORD_DEVCLUSTER_DIR ?? ".landlord/devcluster");
  if (verb === "up") await up(dir);
  else if (verb === "down") {
    await stopControlPlane(dir, false);
    process.stdout.write(`${resolve(dir, "kubeconfig")} (stopped; logs kept in ${dir})\n`);
  } else {
    process.stderr.write("usage: devcluster up|down   (LANDLORD_DEVCLUSTER_DIR sets the folder, default .landlord/devcluster)\n");
    process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`devcluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
