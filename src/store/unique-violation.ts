/**
 * Recognising "this row already exists" across drivers, so callers can turn it into a
 * ConflictError instead of leaking driver errors. Repos prefer ON CONFLICT DO NOTHING and
 * a follow-up read (that names the holder); this is the backstop for plain inserts.
 */
import { ConflictError } from "../errors.js";

const SQLITE_UNIQUE_CODES = new Set(["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"]);
const PG_UNIQUE_VIOLATION = "23505";

export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null || !("code" in err)) return false;
  const code = err.code;
  return typeof code === "string" && (SQLITE_UNIQUE_CODES.has(code) || code === PG_UNIQUE_VIOLATION);
}

/** Runs `fn`; a unique violation becomes a ConflictError with `message`, the driver error as cause. */
export async function conflictOnDuplicate<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(message, { cause: err });
    throw err;
  }
}
