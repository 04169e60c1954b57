/**
 * A PostgreSQL cluster of one test's own, so that the test may restart it: initdb and
 * pg_ctl into a temp folder, listening on a free port on 127.0.0.1, trust auth. initdb
 * refuses to run as root, so as root everything runs as the `postgres` OS user
 * (runuser), in a folder that user owns. Never touches the shared server on 5432.
 */
import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export const PG_BIN = process.env["LANDLORD_TEST_PG_BIN"] ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** `pg_ctl restart -m fast`: every session is terminated, the server comes back. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([exec("id", ["-u", name]), exec("id", ["-g", name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), "landlord-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const pg = await osUser("postgres");
    await chown(root, pg.uid, pg.gid);
  }
  const run = async (bin: string, args: string[]): Promise<string> => {
    const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
    try {
      return (await exec(cmd, argv, { cwd: root, timeout: 60_000 })).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${bin} ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
    }
  };

  const data = join(root, "data");
  const port = await freePort();
  await run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
  const ctl = (...args: string[]): Promise<string> => run("pg_ctl", ["-D", data, "-l", join(root, "server.log"), "-w", "-t", "60", ...args]);
  await ctl("-o", options, "start");
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      await ctl("-m", "fast", "restart");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await ctl("-m", "immediate", "stop");
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}
