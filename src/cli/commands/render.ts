import { againstStored, storedClaims } from "../stored-claims.js";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { renderBundle, type Bundle } from "../../render/bundle.js";
import { documentStream, toJson, toYamlStream } from "../../render/serialize.js";
import { FleetCheck } from "../../spec/fleet.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { renderTenantBundle } from "../../io/package/render-package.js";
import type { CliIo } from "../io.js";
import { loadPlatformFile, readTenantFiles, type GlobalOptions } from "../../app/load-files.js";

export type OutputFormat = "yaml" | "json";

/** Tenant folders being written at once under --out (each is a mkdir and two files). */
const WRITES_IN_FLIGHT = 16;
/** A render that runs longer than this reports how far it got, this often. */
const PROGRESS_EVERY_MS = 2000;

/** Writes via a temporary file so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export function bundleFiles(bundle: Bundle, format: OutputFormat): { name: string; text: string }[] {
  return [
    format === "json"
      ? { name: "kubernetes.json", text: toJson({ apiVersion: "v1", kind: "List", items: bundle.objects }) }
      : { name: "kubernetes.yaml", text: toYamlStream(bundle.objects) },
    { name: "terraform.tfvars.json", text: toJson(bundle.terraform.variables) },
  ];
}

/**
 * Writes run on the thread pool while the next tenants render; at most `limit` at once,
 * so a fast renderer cannot queue the whole fleet's text in memory. The first failure
 * stops the render.
 */
class WriteQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async push(task: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.rethrow();
    const done: Promise<void> = task().then(
      () => {
        this.inFlight.delete(done);
      },
      (error: unknown) => {
        this.inFlight.delete(done);
        this.failure ??= { error };
      },
    );
    this.inFlight.add(done);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function progress(io: CliIo, total: number): (done: number) => void {
  const start = Date.now();
  let last = start;
  return (done) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    io.stderr(`rendered ${done}/${total} tenants (${Math.round((done * 1000) / (now - start))}/s)\n`);
  };
}

/**
 * Renders the fleet as a stream: every file is read and checked first (invalid input
 * writes nothing), then each tenant is resolved, rendered, written and dropped in turn,
 * so memory stays flat however large the fleet (docs/adr/0015-streaming-render.md).
 */
export async function renderCommand(
  io: CliIo,
  global: GlobalOptions,
  opts: { file?: string[]; output: OutputFormat; out?: string },
): Promise<void> {
  const platform = await loadPlatformFile(io, global);
  const fleet = new FleetCheck(platform);
  for await (const raw of readTenantFiles(io, global, opts.file)) fleet.add(raw);
  fleet.check(againstStored(await storedClaims(io, global, platform)));
  const report = progress(io, fleet.size);
  // An app package is templated per tenant (docs/adr/0013); the built-in app renders as before.
  const baseDir = dirname(resolve(io.cwd, global.config));
  const bundleOf = async (t: ResolvedTenant): Promise<Bundle> => (platform.config.app ? renderTenantBundle(platform.config, t, { baseDir }) : renderBundle(platform.config, t));
  let tenants = 0;
  let objects = 0;

  if (opts.out === undefined) {
    const out = documentStream(opts.output, io.stdout);
    for (const t of fleet.tenants()) {
      out.add((await bundleOf(t)).objects);
      report(++tenants);
      // Let the event loop run: a reader that went away (`| head`) ends the process
      // (main.ts) now, not after the whole fleet has been rendered for nobody.
      await yieldToEventLoop();
    }
    out.end();
    return;
  }

  const root = resolve(io.cwd, opts.out);
  const writes = new WriteQueue(WRITES_IN_FLIGHT);
  for (const t of fleet.tenants()) {
    const bundle = await bundleOf(t);
    const dir = join(root, bundle.tenant);
    const files = bundleFiles(bundle, opts.output);
    objects += bundle.objects.length;
    await writes.push(async () => {
      await mkdir(dir, { recursive: true });
      await Promise.all(files.map((f) => writeAtomic(join(dir, f.name), f.text)));
    });
    report(++tenants);
  }
  await writes.drain();
  io.stderr(`rendered ${tenants} tenants (${objects} objects) into ${opts.out}\n`);
}
