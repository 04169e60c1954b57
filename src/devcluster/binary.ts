/** The control plane's multi-call binary: built once per source hash by controlplane/build.sh. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

function buildScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "controlplane", "build.sh");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("controlplane/build.sh not found above " + fileURLToPath(import.meta.url));
}

/**
 * Path of the binary, building it first when this source hash has none yet (the first
 * build takes 17 to 30 minutes on 2 cores; later ones reuse the cache). LANDLORD_CONTROLPLANE_BIN
 * points at a binary built elsewhere.
 */
export async function controlPlaneBinary(log: (line: string) => void = () => undefined): Promise<string> {
  const preset = process.env.LANDLORD_CONTROLPLANE_BIN;
  if (preset !== undefined && preset !== "") return preset;
  const script = buildScript();
  log(`control plane binary: ${script}`);
  const { stdout } = await run("bash", [script], { maxBuffer: 1 << 20, timeout: 90 * 60_000 });
  const path = stdout.trim().split("\n").pop() ?? "";
  if (!existsSync(path)) throw new Error(`controlplane/build.sh printed no binary path (got '${path}')`);
  return path;
}
