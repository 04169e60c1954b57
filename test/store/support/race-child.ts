/**
 * One side of a cross-process race (see cross-process.test.ts): opens the store, says
 * "ready", waits for "go" on stdin, then acquires the leases and makes the reservations
 * all at once and prints what it won as one JSON line.
 */
import { createInterface } from "node:readline";
import { openStore } from "../../../src/store/store.js";

interface Args {
  url: string;
  baseDir: string;
  owner: string;
  leaseIds: string[];
  reservations: { name: string; domain: string }[];
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const store = await openStore({ url: args.url, baseDir: args.baseDir });
const stdin = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => stdin.once("line", () => { resolve(); }));
process.stdout.write("ready\n");
await go;
stdin.close();

const now = new Date("2026-11-27T10:00:00.000Z");
const [leases, reservations] = await Promise.all([
  Promise.all(args.leaseIds.map((id) => store.workflows.acquireLease(id, args.owner, 60_000, now))),
  Promise.allSettled(args.reservations.map((r) => store.tenants.reserve({ name: r.name, spec: {}, domains: [r.domain], now }))),
]);
process.stdout.write(
  `${JSON.stringify({
    leases: args.leaseIds.filter((_, i) => leases[i] === true),
    reserved: args.reservations.filter((_, i) => reservations[i]?.status === "fulfilled").map((r) => r.name),
    conflicts: reservations.filter((r) => r.status === "rejected").map((r) => (r.reason as Error).name),
  })}\n`,
);
await store.close();
