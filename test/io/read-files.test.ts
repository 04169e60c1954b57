/** Reading tenant files: exact sizes, the cap, order kept with a bounded number in flight. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { expandPaths, readAll, readCapped, readInOrder } from "../../src/io/read-files.js";
import { MAX_FILE_BYTES, decodeYaml } from "../../src/spec/documents.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-read-"));
});

describe("readCapped", () => {
  test("a file comes back whole, in a buffer of its own size", async () => {
    const text = "name: acme\n".repeat(100);
    await writeFile(join(dir, "small.yaml"), text);
    const raw = await readCapped(join(dir, "small.yaml"));
    expect(new TextDecoder().decode(raw.bytes)).toBe(text);
    expect(raw.bytes.buffer.byteLength).toBe(text.length);
  });

  test("a file over the cap is read only to one byte past it, and the decoder refuses it", async () => {
    await writeFile(join(dir, "huge.yaml"), Buffer.alloc(3 * MAX_FILE_BYTES, "a"));
    const raw = await readCapped(join(dir, "huge.yaml"));
    expect(raw.bytes.byteLength).toBe(MAX_FILE_BYTES + 1);
    const decoded = decodeYaml(raw.file, raw.bytes);
    expect(decoded.ok ? "" : decoded.problems[0]?.message).toMatch(/larger than the 1048576-byte limit/);
  });

  test("an empty file and a file that is not regular (no size to trust) read as what they hold", async () => {
    await writeFile(join(dir, "empty.yaml"), "");
    expect((await readCapped(join(dir, "empty.yaml"))).bytes.byteLength).toBe(0);
    expect((await readCapped("/dev/null")).bytes.byteLength).toBe(0);
  });
});

describe("readInOrder", () => {
  test("keeps the order given, whatever order the reads finish in", async () => {
    const paths: string[] = [];
    for (let i = 0; i < 200; i++) {
      const p = join(dir, `f${i}.yaml`);
      // Sizes vary so reads finish out of order.
      await writeFile(p, `i: ${i}\n${"#".repeat((i * 7919) % 5000)}\n`);
      paths.push(p);
    }
    const got = await readAll(paths, 8);
    expect(got.map((r) => r.file)).toEqual(paths);
    got.forEach((r, i) => {
      expect(new TextDecoder().decode(r.bytes).startsWith(`i: ${i}\n`)).toBe(true);
    });
  });

  test("a file that cannot be read fails at its turn, after the files before it", async () => {
    const paths = [join(dir, "f0.yaml"), join(dir, "f1.yaml"), join(dir, "missing.yaml"), join(dir, "f2.yaml")];
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of readInOrder(paths, 2)) seen.push(r.file);
      })(),
    ).rejects.toThrow(/ENOENT/);
    expect(seen).toEqual(paths.slice(0, 2));
  });
});

describe("expandPaths", () => {
  test("directories are walked sorted, hidden entries and other extensions skipped", async () => {
    const root = await mkdtemp(join(tmpdir(), "landlord-walk-"));
    for (const name of ["b.yaml", "a.yml", ".hidden.yaml", "notes.txt"]) await writeFile(join(root, name), "a: 1\n");
    expect(await expandPaths([root])).toEqual([join(root, "a.yml"), join(root, "b.yaml")]);
  });
});
