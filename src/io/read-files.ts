/**
 * File-system adapter: expands paths to YAML files and reads them with a size cap. The
 * bytes go to the pure decoder in src/spec/documents.ts; spec and render never touch the
 * file system themselves (docs/adr/0001-pure-render-core.md, enforced by eslint).
 *
 * A fleet is tens of thousands of small files: they are read a bounded number at a time
 * (any fleet size works without raising the open-file limit), each into a buffer of its
 * own size rather than one of the cap's size, and handed on in path order.
 */
import { close, fstat, open, read } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { InputError, type InputProblem } from "../errors.js";
import { MAX_FILE_BYTES, type RawFile } from "../spec/documents.js";

const YAML_EXT = new Set([".yaml", ".yml"]);

/**
 * Files open at once. Enough to keep the thread pool that does file I/O busy while the
 * caller decodes, far below the usual limit of 1,024 open files.
 */
export const READ_CONCURRENCY = 32;

/** Lists YAML files under the given paths (directories recursively, sorted for stable order). */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const problems: InputProblem[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      problems.push({ file: path, path: "", message: "no such file or directory", fix: "check the path given with -f" });
      continue;
    }
    if (info.isDirectory()) await walk(path, out);
    else out.push(path);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

async function walk(dir: string, files: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, files);
    else if (e.isFile() && YAML_EXT.has(extname(e.name))) files.push(full);
  }
}

/**
 * Reads a file whole, or its first MAX_FILE_BYTES + 1 bytes when it is larger, so a huge
 * file is refused by the decoder without being loaded. A regular file is read into a
 * buffer of the size it has; anything else (a pipe, /dev/stdin) in chunks up to the cap.
 *
 * Written with the callback API: for a small file the promise API's FileHandle, promises
 * and their cleanup cost more main-thread time than the reading itself (measured at about
 * four times the CPU over 3,000 tenant files).
 */
export function readCapped(file: string): Promise<RawFile> {
  return new Promise((resolve, reject) => {
    open(file, "r", (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      const finish = (error: Error | null, raw?: RawFile) => {
        close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else if (raw) resolve(raw);
        });
      };
      fstat(fd, (statError, info) => {
        if (statError) {
          finish(statError);
          return;
        }
        const exact = info.isFile() && info.size > 0;
        let buffer = new Uint8Array(exact ? Math.min(info.size, MAX_FILE_BYTES + 1) : 64 * 1024);
        let length = 0;
        const done = () => {
          finish(null, { file, bytes: length === buffer.length ? buffer : buffer.subarray(0, length) });
        };
        const next = (): void => {
          read(fd, buffer, length, buffer.length - length, null, (readError, bytesRead) => {
            if (readError) {
              finish(readError);
              return;
            }
            length += bytesRead;
            if (bytesRead > 0 && length < buffer.length) {
              next();
              return;
            }
            // End of file, or full: the size was exact (or the file is past the cap), or a
            // chunk buffer must grow.
            if (bytesRead === 0 || exact || buffer.length > MAX_FILE_BYTES) {
              done();
              return;
            }
            const grown = new Uint8Array(Math.min(buffer.length * 2, MAX_FILE_BYTES + 1));
            grown.set(buffer);
            buffer = grown;
            next();
          });
        };
        next();
      });
    });
  });
}

type Settled = { ok: true; raw: RawFile } | { ok: false; error: unknown };

function settle(file: string): Promise<Settled> {
  return readCapped(file).then(
    (raw): Settled => ({ ok: true, raw }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
}

/**
 * The files' contents in the order given, with at most `concurrency` reads in flight.
 * A read that fails throws when its turn comes; reads already started still finish (and
 * close their files) but nothing more is started.
 */
export async function* readInOrder(files: readonly string[], concurrency = READ_CONCURRENCY): AsyncGenerator<RawFile, void, undefined> {
  const window: Promise<Settled>[] = [];
  let next = 0;
  const refill = () => {
    while (window.length < concurrency && next < files.length) window.push(settle(files[next++] as string));
  };
  refill();
  for (let turn = window.shift(); turn !== undefined; turn = window.shift()) {
    const r = await turn;
    if (!r.ok) throw r.error;
    refill();
    yield r.raw;
  }
}

/** Every file's contents, in the order given, read as readInOrder does. */
export async function readAll(files: readonly string[], concurrency = READ_CONCURRENCY): Promise<RawFile[]> {
  const out: RawFile[] = [];
  for await (const raw of readInOrder(files, concurrency)) out.push(raw);
  return out;
}
