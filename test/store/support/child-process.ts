/** Runs a TypeScript script in a separate Node process (via tsx), for real cross-process tests. */
import { spawn } from "node:child_process";
import type { ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export type Child = ChildProcessByStdio<Writable, Readable, null>;

/** `script` is relative to the repository root; `arg` reaches it as JSON in argv[2]. */
export function spawnScript(script: string, arg: unknown): Child {
  return spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(arg)], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
}

/** Resolves with the child's stdout lines, in order, as they arrive; `next()` waits for one. */
export function lines(child: Child): { next(): Promise<string> } {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let ended = false;
  const rl = createInterface({ input: child.stdout });
  rl.on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  rl.on("close", () => {
    ended = true;
    for (const w of waiting.splice(0)) w("");
  });
  return {
    next: () => {
      const line = queue.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve("");
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

export function exited(child: Child): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => { resolve({ code, signal }); }));
}
