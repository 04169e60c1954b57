/**
 * Writes a large transaction to a SQLite store while the process may not grow files past
 * a limit (the parent starts it under `ulimit -f`): the commit fails writing, as on a full
 * disk, and SQLite rolls the transaction back by itself. Prints the error as the CLI would
 * classify it, as JSON.
 */
import { storeFailure } from "../../../src/store/failures.js";
import { openStore } from "../../../src/store/store.js";

// Past the limit the kernel sends SIGXFSZ, which would kill the process before SQLite sees the error.
process.on("SIGXFSZ", () => undefined);
const { path } = JSON.parse(process.argv[2] ?? "{}") as { path: string };
const store = await openStore({ url: path, baseDir: "/" });
try {
  await store.transaction(async (tx) => {
    for (let i = 0; i < 50; i++) await tx.audit.append({ at: new Date(), actor: "t", action: "big", tenantName: null, details: { blob: "x".repeat(100_000) } });
  });
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (err) {
  const e = err as { code?: string; message?: string };
  const classified = storeFailure(err, store.location, "writing");
  process.stdout.write(`${JSON.stringify({ code: e.code, message: e.message, classified: classified?.message, fix: classified?.fix, target: classified?.target })}\n`);
}
await store.close();
