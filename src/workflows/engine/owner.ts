/**
 * Lease owners name where a run lives: host:pid:nonce. On the same host a dead pid can be
 * seen, so a run whose process died is taken over at once instead of after its lease
 * expires. A pid that was reused by another process looks alive: then the lease simply
 * runs out, as it does for owners on other hosts.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

export interface OwnerId {
  readonly host: string;
  readonly pid: number;
}

/** A lease owner id that tells an operator where a run lives: host, pid, and a nonce. */
export function processOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export function parseOwner(owner: string): OwnerId | undefined {
  const parts = owner.split(":");
  if (parts.length < 3) return undefined;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(":");
  return Number.isInteger(pid) && pid > 0 && host !== "" ? { host, pid } : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True only when the owner is known to be dead: same host, and its pid is gone. */
export function ownerIsDead(owner: string | null): boolean {
  if (owner === null) return false;
  const id = parseOwner(owner);
  if (!id || id.host !== hostname() || id.pid === process.pid) return false;
  return !pidAlive(id.pid);
}
