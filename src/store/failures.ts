/**
 * Driver failures in words: what went wrong, where (host or file, never a password) and
 * what to do about it. The driver's error stays the cause. Errors that are not the
 * store's own (a unique violation a repo already handles, a bug) are left alone.
 */
import { StoreError } from "../errors.js";
import type { StoreLocation } from "./store.js";

interface Coded {
  readonly code?: unknown;
  readonly message?: unknown;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as Coded).code;
  return typeof code === "string" ? code : undefined;
}

/** host:port/db of a PostgreSQL URL, without user or password. */
export function describeTarget(where: StoreLocation): string {
  if (where.backend === "sqlite") return where.target;
  try {
    const u = new URL(where.target);
    const host = u.hostname === "" ? (u.searchParams.get("host") ?? "localhost") : u.hostname;
    return `${host}:${u.port === "" ? "5432" : u.port}${u.pathname === "" || u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}

function userOf(where: StoreLocation): string {
  try {
    return decodeURIComponent(new URL(where.target).username) || "(the OS user)";
  } catch {
    return "(unknown)";
  }
}

/** The store failure `err` stands for, or undefined when it is not a recognised store failure. */
export function storeFailure(err: unknown, where: StoreLocation, doing: string): StoreError | undefined {
  if (err instanceof StoreError) return err;
  const target = describeTarget(where);
  const code = codeOf(err);
  const make = (message: string, fix: string) => new StoreError(`${doing}: ${message}`, target, fix, { cause: err });
  if (code === undefined) return undefined;
  if (where.backend === "postgres") {
    switch (code) {
      case "ECONNREFUSED":
        return make(`nothing listens at ${target} (connection refused)`, "start PostgreSQL there, or correct host and port in DATABASE_URL");
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return make(`host of ${target} cannot be resolved`, "correct the host in DATABASE_URL");
      case "ETIMEDOUT":
      case "ECONNRESET":
      case "EHOSTUNREACH":
        return make(`${target} cannot be reached (${code})`, "check the network path to the database and DATABASE_URL");
      case "3D000":
        return make(`database ${new URL(where.target).pathname.slice(1)} does not exist on ${target.split("/")[0] ?? target}`, "create it (createdb NAME) or correct the database name in DATABASE_URL");
      case "28000":
        return make(`role ${userOf(where)} does not exist or may not connect`, "create the role (createuser NAME) or correct the user in DATABASE_URL");
      case "28P01":
        return make(`password authentication failed for ${userOf(where)}`, "correct the password in DATABASE_URL");
      case "42501":
        return make(`role ${userOf(where)} lacks a privilege the store needs`, "grant the role CREATE on the database (the store creates its tables)");
      case "53100":
        return make("the database server's disk is full", "free disk space on the PostgreSQL server");
      case "57P03":
        return make("the server is starting up or shutting down", "wait for PostgreSQL to accept connections, then run the command again");
      default:
        return undefined;
    }
  }
  if (code === "SQLITE_FULL" || code === "ENOSPC") return make("the disk holding the store is full", `free space on the file system of ${target}, then run the command again (nothing of the failed write was kept)`);
  if (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_")) {
    return make("the store is locked by another Landlord process", "wait for it to finish (landlord workflows list shows what runs); a stopped process (Ctrl-Z) holds the lock until it is resumed or killed");
  }
  if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY_") || code === "EACCES" || code === "EPERM" || code === "SQLITE_PERM") {
    return make("the store file or its folder is not writable", `give this user write access to ${target} and its folder`);
  }
  if (code === "SQLITE_CANTOPEN") return make("the store file cannot be opened", `check that ${target} and its folder exist and are accessible`);
  if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB") return make("the file is not a readable Landlord store (corrupt or not SQLite)", `restore ${target} from a backup, or move it away and start anew`);
  if (code.startsWith("SQLITE_IOERR")) return make(`an I/O error reading or writing the store (${code})`, `check the disk holding ${target}`);
  return undefined;
}
