/**
 * The README's main job (`npm run demo`, scripts/demo.sh) as a user runs it: it must end
 * serving the demo fleet on the URL it prints, with the operator seeing every tenant and a
 * customer only its own, and stop cleanly on Ctrl-C.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test("npm run demo onboards the demo fleet and serves it at the URL it prints", async () => {
  const parent = await mkdtemp(join(tmpdir(), "landlord-demo-"));
  dirs.push(parent);
  const dir = join(parent, "demo");
  // The embedded SQLite store, as the README's user has it.
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_DIR: dir, PORT: "0" };
  delete env.DATABASE_URL;
  const child = spawn("bash", ["scripts/demo.sh"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((done) => {
    child.on("exit", (code) => {
      done(code);
    });
  });
  try {
    const url = await new Promise<string>((done, fail) => {
      const timer = setInterval(() => {
        const m = /landlord serve: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m?.[1] !== undefined) {
          clearInterval(timer);
          done(m[1]);
        }
      }, 200);
      void exited.then((code) => {
        clearInterval(timer);
        fail(new Error(`the demo exited (${String(code)}) before serving:\n${out}`));
      });
    });
    expect(out).toMatch(/acme\s+small\s+Ready/);
    expect(out).toMatch(/globex\s+medium\s+Ready/);
    const operator = (await readFile(join(dir, ".landlord", "operator-token"), "utf8")).split("\n")[0] ?? "";
    const list = (await (await fetch(`${url}/api/v1/tenants`, { headers: { authorization: `Bearer ${operator}` } })).json()) as { items: { name: string; phase: string }[] };
    expect(list.items.map((t) => `${t.name}:${t.phase}`).sort()).toEqual(["acme:Ready", "globex:Ready", "initech:Ready"]);
    const customer = (await readFile(join(dir, ".landlord", "credentials", "initech", "api-token"), "utf8")).trim();
    const own = (await (await fetch(`${url}/api/v1/tenants`, { headers: { authorization: `Bearer ${customer}` } })).json()) as { items: { name: string }[] };
    expect(own.items.map((t) => t.name)).toEqual(["initech"]);
    expect((await fetch(`${url}/api/v1/tenants/acme`, { headers: { authorization: `Bearer ${customer}` } })).status).toBe(404);
    expect((await fetch(`${url}/`)).headers.get("content-type")).toMatch(/text\/html/);
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
}, 180_000);
