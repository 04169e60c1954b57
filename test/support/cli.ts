/** The `landlord` CLI run in-process, as the tests that drive it by its commands need it. */
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `landlord ...argv` in `cwd` with `env` (none of this process's) and collects what it printed. */
export async function runLandlord(cwd: string, argv: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    env,
  };
  const code = await run([...argv], io);
  return { code, stdout, stderr };
}
