/**
 * The control plane's processes, recorded in a state file so that any process (the test
 * runner, a test worker that stops the API server on purpose, `npm run cluster:down`)
 * can stop, restart or tear them down.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../util/sleep.js";

export type CoreComponent = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok";
/**
 * A real node's processes and the host services beside them: `node/<node>/containerd`,
 * `node/<node>/kubelet`, `host/registry`, `host/kube-proxy` and so on.
 */
export type Component = CoreComponent | `node/${string}` | `host/${string}`;

export interface ProcessRecord {
  readonly args: readonly string[];
  /** The program, when it is not a verb of the control plane binary (containerd). */
  readonly command?: string;
  /** Variables added to the environment it starts with (kept for a restart). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log: string;
  pid?: number;
}

export interface ClusterState {
  readonly binary: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly processes: Partial<Record<Component, ProcessRecord>>;
  /** The machine address the API server of a cluster with real nodes holds (removed at stop). */
  readonly apiAddress?: string;
}

export function statePath(dir: string): string {
  return join(dir, "state.json");
}

export function readState(dir: string): ClusterState {
  try {
    return JSON.parse(readFileSync(statePath(dir), "utf8")) as ClusterState;
  } catch (err) {
    throw new Error(`no control plane recorded in ${dir} (${(err as Error).message}); start one with npm run cluster:up`);
  }
}

export function writeState(state: ClusterState): void {
  const tmp = `${statePath(state.dir)}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, statePath(state.dir));
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The verb of the control plane binary that runs COMPONENT (its last path segment). */
function verbOf(component: Component): string {
  return component.slice(component.lastIndexOf("/") + 1);
}

/**
 * Detached, in its own process group, output to its log: it outlives the process that
 * started it. COMMAND runs a program other than the control plane binary.
 */
export function spawnComponent(state: ClusterState, component: Component, args: readonly string[], command?: string, env?: Readonly<Record<string, string>>): ProcessRecord {
  const log = join(state.dir, `${component.replaceAll("/", "_")}.log`);
  const fd = openSync(log, "a");
  try {
    const child =
      command === undefined
        ? spawn(state.binary, [verbOf(component), ...args], { detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, ...env } })
        : spawn(command, [...args], { detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
    child.unref();
    const record: ProcessRecord = { args, log, ...(command !== undefined ? { command } : {}), ...(env !== undefined ? { env } : {}), ...(child.pid !== undefined ? { pid: child.pid } : {}) };
    state.processes[component] = record;
    writeState(state);
    return record;
  } finally {
    closeSync(fd);
  }
}


/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopPid(pid: number | undefined, graceMs = 5_000): Promise<void> {
  if (!isAlive(pid) || pid === undefined) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(20);
  }
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
