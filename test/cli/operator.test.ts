/**
 * The CLI as a new operator meets it (issue 11): every item below was a dead end, wrong
 * advice or a silent surprise. In-process on the default SQLite store, and on PostgreSQL
 * where the item is about the store.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { InterruptedError } from "../../src/errors.js";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { PG_ADMIN_URL } from "../store/support/backends.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
async function landlord(argv: string[], extra: Partial<CliIo> = {}): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" }, ...extra };
  return { code: await run(argv, io), stdout, stderr };
}
const ll = (...argv: string[]) => landlord(argv);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-operator-"));
  expect((await ll("init")).code).toBe(0);
  // Only onboarded tenants here: the example file would otherwise stand in for the store.
  await rm(join(dir, "tenants"), { recursive: true });
});

const onboard = (name: string, ...more: string[]) => ll("onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--contact", `ops@${name}.example.com`, ...more);

describe("items 1 and 2 from the command line", () => {
  test("resume takes over a workflow whose process died on this host, reports a live holder with exit 1, and describe names the way forward", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const { openStore } = await import("../../src/store/store.js");
    const store = await openStore({ baseDir: dir });
    try {
      const [wf] = await store.workflows.list({ tenantName: "acme" });
      const id = wf?.id ?? "";
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      const leaveRunning = async (owner: string) => {
        await store.db.updateTable("workflows").set({ status: "Running", finished_at: null, lease_owner: owner, lease_expires_at: new Date(Date.now() + 60_000).toISOString() }).where("id", "=", id).execute();
        await store.db.updateTable("workflow_steps").set({ status: "Pending" }).where("workflow_id", "=", id).where("name", "=", "done").execute();
        await store.db.updateTable("tenants").set({ phase: "Provisioning" }).where("name", "=", "acme").execute();
      };
      await leaveRunning(`${hostname()}:${String(process.pid)}:live`);
      const busy = await ll("workflows", "resume");
      expect(busy.code).toBe(1);
      expect(busy.stdout).toMatch(new RegExp(`${id}: onboard of acme is run by ${hostname()}:${String(process.pid)}:live \\(lease until .*\\); it continues there`));
      const described = parse((await ll("describe", "tenant", "acme")).stdout) as { state: string; next: string[] };
      expect(described.state).toMatch(/its onboard workflow .* is running, run by/);
      expect(described.next[0]).toBe(`landlord workflows resume ${id}   # continue it (takes over when its process is gone)`);

      await leaveRunning(`${hostname()}:${String(dead)}:gone`);
      const resumed = await ll("workflows", "resume");
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe(`${id}: Succeeded\n`);
      expect(resumed.stderr).toMatch(/\[9\/9\] done/);
      expect((await ll("get", "tenant", "acme", "-o", "json")).stdout).toContain('"phase": "Ready"');
      expect((await ll("workflows", "resume")).stdout).toBe("nothing to resume\n");
    } finally {
      await store.close();
    }
  });
});

describe("item 3: DATABASE_URL", () => {
  test.each(["postgres//landlord@127.0.0.1/landlord", "not a url", "mysql://root@db/landlord"])("'%s' is refused with exit 2 and nothing is created", async (url) => {
    const r = await landlord(["onboard", "acme", "--tier", "small", "--domain", "acme.apps.example.com", "--contact", "a@b.co"], { env: { DATABASE_URL: url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DATABASE_URL: .*\(fix: set it to postgres:\/\/USER@HOST:5432\/DATABASE, or unset it/);
    expect(await readdir(dir)).toEqual(["landlord.yaml"]);
  });
});

describe("item 4: store failures say the cause, where, and the fix", () => {
  test("an unknown PostgreSQL database", async () => {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = "/landlord_no_such_db";
    const r = await landlord(["get", "tenants"], { env: { DATABASE_URL: url.toString() } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database landlord_no_such_db does not exist on 127\.0\.0\.1:5432/);
    expect(r.stderr).toMatch(/where: 127\.0\.0\.1:5432\/landlord_no_such_db\n\s+fix:\s+create it/);
  });

  test("a deleted SQLite file beside delivered tenants: writes refuse without --new-store, reads warn", async () => {
    expect((await onboard("acme")).code).toBe(0);
    for (const f of await readdir(join(dir, ".landlord"))) if (f.startsWith("landlord.db")) await rm(join(dir, ".landlord", f));
    const refused = await onboard("beta");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the store file does not exist, but 1 tenant was delivered from here \(acme\)/);
    expect(refused.stderr).toMatch(/where: .*\.landlord\/landlord\.db\n\s+fix:\s+restore the file from a backup.*--new-store/);
    expect(existsSync(join(dir, ".landlord", "landlord.db"))).toBe(false);
    const read = await ll("get", "tenants");
    expect(read.code).toBe(0);
    expect(read.stderr).toMatch(/warning: the store .* does not exist, but tenants were delivered from here \(acme\)/);
    expect(existsSync(join(dir, ".landlord", "landlord.db"))).toBe(false);
    expect((await ll("--new-store", "onboard", "beta", "--tier", "small", "--domain", "beta.apps.example.com", "--contact", "a@b.co")).code).toBe(0);
  });
});

describe("item 5: reads need no write lock", () => {
  test("get and describe answer while another process holds the store's write lock", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const lib = fileURLToPath(new URL("../../node_modules/better-sqlite3", import.meta.url));
    const holder = spawn(process.execPath, ["-e", `const B = require(${JSON.stringify(lib)}); const d = new B(${JSON.stringify(join(dir, ".landlord", "landlord.db"))}); d.exec("begin immediate"); console.log("locked"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((r) => holder.stdout.once("data", () => { r(); }));
    try {
      const started = Date.now();
      expect((await ll("get", "tenants")).stdout).toMatch(/^acme\s+small\s+Ready/m);
      expect((await ll("describe", "tenant", "acme")).code).toBe(0);
      expect((await ll("get", "workflows")).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(4_000);
      // A write waits out the busy timeout, then says who holds the store and what to do.
      const blocked = await onboard("beta");
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/the store is locked by another Landlord process\n\s+where: .*landlord\.db\n\s+fix:\s+wait for it to finish/);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("item 6: the store is the truth once onboarded", () => {
  test("explain, describe and diff work for an onboarded tenant with no file; explain -f DIR reads the files", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const e = await ll("explain", "acme");
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^tenant acme: tier small/);
    expect((await ll("describe", "tenant", "acme")).code).toBe(0);
    expect((await ll("diff", "acme")).code).toBe(0);

    // Export, change, and read back from a folder: -f DIR works for explain, diff and update.
    await writeFile(join(dir, "export.yaml"), (await ll("get", "tenant", "acme", "-o", "yaml")).stdout.replace("tier: small", "tier: medium"));
    await rm(join(dir, "specs"), { recursive: true, force: true });
    await (await import("node:fs/promises")).mkdir(join(dir, "specs"));
    await writeFile(join(dir, "specs", "acme.yaml"), await readFile(join(dir, "export.yaml"), "utf8"));
    const fromFiles = await ll("explain", "acme", "-f", "specs");
    expect(fromFiles.stdout).toMatch(/^tenant acme: tier medium/);
    expect((await ll("diff", "-f", "specs")).code).toBe(1);
    const plan = await ll("update", "-f", "specs", "--dry-run");
    expect(plan.stdout).toMatch(/1 of 1 tenant to update \(dry run: nothing was written\)\n\s+acme: spec\.tier/);
    expect((await ll("update", "-f", "specs")).code).toBe(0);
    expect((await ll("explain", "acme")).stdout).toMatch(/^tenant acme: tier medium/);
  });

  test("explain of a tenant that is neither onboarded nor in tenants/ says so", async () => {
    const r = await ll("explain", "ghost");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tenant 'ghost' is neither onboarded nor in tenants\//);
  });
});

describe("item 7: fleet-wide changes to landlord.yaml", () => {
  test("update --all shows a plan, --dry-run writes nothing, then every changed tenant is updated with progress", async () => {
    expect((await onboard("acme")).code).toBe(0);
    expect((await onboard("beta")).code).toBe(0);
    const config = join(dir, "landlord.yaml");
    await writeFile(config, (await readFile(config, "utf8")).replace("LOG_LEVEL: info ", "LOG_LEVEL: warn "));
    expect((await ll("diff")).code).toBe(1);
    const before = (await ll("get", "workflows", "-o", "name")).stdout;
    const dry = await ll("update", "--all", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe("2 of 2 tenants to update (dry run: nothing was written)\n  acme: landlord.yaml changed what it renders\n  beta: landlord.yaml changed what it renders\n");
    expect((await ll("get", "workflows", "-o", "name")).stdout).toBe(before);
    const all = await ll("update", "--all");
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/\[1\/2\] updating acme[\s\S]*\[2\/2\] updating beta/);
    expect(all.stdout).toMatch(/tenant acme updated\ntenant beta updated/);
    expect((await ll("diff")).code).toBe(0);
    expect((await ll("update", "--all")).stdout).toMatch(/^0 of 2 tenants to update/);
    expect((await ll("update", "acme", "--all")).code).toBe(2);
  });
});

describe("item 8: no silent success", () => {
  test("diff of an unknown tenant exits 2 with a clear error (a CI gate cannot pass on a typo)", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const r = await ll("diff", "acme-typo");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tenant 'acme-typo' is not in the store/);
  });

  test("onboard NAME --tier T -f FILE refuses the conflict instead of ignoring NAME and --tier", async () => {
    await writeFile(join(dir, "acme.yaml"), "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: acme}\nspec: {displayName: acme, tier: small, domains: [acme.apps.example.com], contacts: {email: a@b.co}}\n");
    const r = await ll("onboard", "other", "--tier", "medium", "-f", "acme.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NAME: 'other' differs from metadata.name 'acme' in acme.yaml/);
    expect(r.stderr).toMatch(/--tier: given together with -f/);
    expect((await ll("get", "tenants")).stdout).toBe("No tenants.\n");
    expect((await ll("onboard", "acme", "-f", "acme.yaml")).code).toBe(0);
  });
});

describe("item 9: kubectl habits", () => {
  test("--version and shell completion", async () => {
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect((await ll("--version")).stdout).toBe(`${pkg.version}\n`);
    const bash = await ll("completion", "bash");
    expect(bash.code).toBe(0);
    expect(bash.stdout).toMatch(/complete -o default -F _landlord_complete landlord/);
    expect(bash.stdout).toMatch(/"get"\) words="tenants tenant workflows workflow/);
    expect(bash.stdout).toMatch(/"onboard"\) words="[^"]*--dry-run/);
    expect((await ll("completion", "zsh")).stdout).toMatch(/^#compdef landlord/);
    expect((await ll("completion", "fish")).code).toBe(2);
  });

  test("get tenant NAME and get tenants give the same shapes in every -o, status included; AGE is a duration", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const list = JSON.parse((await ll("get", "tenants", "-o", "json")).stdout) as { kind: string; items: { status: { phase: string } }[] };
    const one = JSON.parse((await ll("get", "tenant", "acme", "-o", "json")).stdout) as { kind: string; status: { phase: string; cluster: string } };
    expect(list.kind).toBe("List");
    expect(list.items[0]).toEqual(one);
    expect(one).toMatchObject({ kind: "Tenant", status: { phase: "Ready", cluster: "aks-weu-1" } });
    expect(parse((await ll("get", "tenant", "acme", "-o", "yaml")).stdout)).toEqual(one);
    expect((await ll("get", "tenants", "-o", "name")).stdout).toBe("tenant/acme\n");
    const table = (await ll("get", "tenants")).stdout;
    expect(table).toMatch(/^NAME\s+TIER\s+PHASE\s+DOMAINS\s+AGE\nacme\s+small\s+Ready\s+acme\.apps\.example\.com\s+\d+s\n$/);
    expect((await ll("get", "tenants", "-o", "wide")).stdout).toMatch(/^NAME\s+TIER\s+PHASE\s+CLUSTER\s+DOMAINS\s+GENERATION\s+AGE\n/);
    const missing = await ll("get", "tenant", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/tenant 'nope' not found/);
    expect((await ll("get", "tenants", "-o", "xml")).code).toBe(2);
  });

  test("get workflows and get workflow ID, with the same shapes", async () => {
    expect((await onboard("acme")).code).toBe(0);
    const names = (await ll("get", "workflows", "-o", "name")).stdout.trim().split("\n");
    expect(names).toHaveLength(1);
    const id = (names[0] ?? "").replace("workflow/", "");
    const one = JSON.parse((await ll("get", "workflow", id, "-o", "json")).stdout) as Record<string, unknown>;
    expect(one).toMatchObject({ kind: "Workflow", metadata: { name: id }, spec: { kind: "onboard", tenant: "acme" }, status: { status: "Succeeded" } });
    expect((JSON.parse((await ll("get", "workflows", "-o", "json")).stdout) as { items: unknown[] }).items[0]).toEqual(one);
    expect((await ll("get", "workflows")).stdout).toMatch(/^ID\s+KIND\s+TENANT\s+STATUS\s+AGE\s+ERROR\n[0-9a-f-]{36}\s+onboard\s+acme\s+Succeeded\s+\d+s/);
  });

  test("--dry-run on onboard, update and offboard writes nothing", async () => {
    const dry = await ll("onboard", "acme", "--tier", "small", "--domain", "acme.apps.example.com", "--contact", "a@b.co", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/tenant acme would be onboarded \(dry run: nothing was written\)\n\s+tier:\s+small\n\s+cluster:\s+aks-weu-1/);
    expect((await ll("get", "tenants")).stdout).toBe("No tenants.\n");
    expect(existsSync(join(dir, "landlord-out"))).toBe(false);
    expect((await onboard("acme")).code).toBe(0);
    const off = await ll("offboard", "acme", "--dry-run");
    expect(off.stdout).toMatch(/would be offboarded \(dry run: nothing was written\)/);
    expect((await ll("get", "tenant", "acme", "-o", "json")).stdout).toContain('"phase": "Ready"');
  });

  test("YAML errors in -f files name the file and the line; refused input exits 2", async () => {
    await writeFile(join(dir, "bad.yaml"), "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: acme\n  name: again\n");
    const r = await ll("update", "-f", "bad.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: document 1, line 5 column 3: YAML: .*(fix: keep only one of the duplicated keys)/);
    expect((await onboard("acme")).code).toBe(0);
    await writeFile(join(dir, "typo.yaml"), "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: acme}\nspec: {displayName: acme, tier: smal, domains: [acme.apps.example.com], contacts: {email: a@b.co}}\n");
    await writeFile(join(dir, "typo-new.yaml"), (await readFile(join(dir, "typo.yaml"), "utf8")).replace("name: acme", "name: fresh").replace("acme.apps", "fresh.apps"));
    for (const argv of [["update", "-f", "typo.yaml"], ["diff", "-f", "typo.yaml"], ["onboard", "-f", "typo-new.yaml", "--dry-run"], ["onboard", "-f", "typo-new.yaml"]]) {
      const typo = await ll(...argv);
      expect(typo.code, argv.join(" ")).toBe(2);
      expect(typo.stderr, argv.join(" ")).toMatch(/typo(-new)?\.yaml: spec\.tier: unknown tier 'smal'/);
    }
    const force = await ll("offboard", "acme", "--force");
    expect(force.code).toBe(2);
    expect(force.stderr).toMatch(/--force: .* \(fix: add --yes to confirm when not at a terminal\)/);
  });
});

describe("item 10: interactive onboarding", () => {
  test("checks each answer as it is typed, asks again for a wrong one, takes several domains", async () => {
    const answers = ["Bad_Name", "acme", "smal", "small", "shop.example.org other.example.org", "not-an-email", "ops@acme.example.com"];
    const questions: string[] = [];
    const prompt = (q: string) => {
      questions.push(q);
      return Promise.resolve(answers.shift() ?? "");
    };
    const r = await landlord(["onboard"], { prompt });
    expect(r.code).toBe(0);
    expect(questions.map((q) => q.split(" ")[0])).toEqual(["Tenant", "Tenant", "Tier", "Tier", "Domains", "Contact", "Contact"]);
    expect(r.stderr).toMatch(/metadata\.name: must be a DNS label/);
    expect(r.stderr).toMatch(/spec\.tier: unknown tier 'smal' \(fix: did you mean 'small'\?/);
    expect(r.stderr).toMatch(/spec\.contacts\.email: not an email address/);
    expect(JSON.parse((await ll("get", "tenant", "acme", "-o", "json")).stdout)).toMatchObject({ status: { domains: ["other.example.org", "shop.example.org"] } });
  });

  test("a domain already claimed is caught at its answer", async () => {
    expect((await ll("onboard", "acme", "--tier", "small", "--domain", "shop.example.org", "--contact", "a@b.co")).code).toBe(0);
    const answers = ["shop.example.org", "beta.example.org"];
    const r = await landlord(["onboard", "beta", "--tier", "small", "--contact", "a@b.co"], { prompt: () => Promise.resolve(answers.shift() ?? "") });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/'shop\.example\.org' is already claimed by tenant 'acme'/);
  });

  test("Ctrl-C at a question exits 130 with nothing written", async () => {
    const r = await landlord(["onboard"], { prompt: () => Promise.reject(new InterruptedError("interrupted at the prompt; nothing was written")) });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted at the prompt; nothing was written/);
    expect((await ll("get", "tenants")).stdout).toBe("No tenants.\n");
  });
});
