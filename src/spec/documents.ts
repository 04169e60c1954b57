/**
 * Decoding of YAML input, hardened: size cap, UTF-8 only, no binary, alias bombs and
 * duplicate keys refused. Pure: takes bytes, returns plain values or problems.
 */
import { parseAllDocuments } from "yaml";
import type { InputProblem } from "../errors.js";

export const MAX_FILE_BYTES = 1024 * 1024;
/** Aliases are legitimate in hand-written YAML, a few dozen at most; bombs need thousands. */
const MAX_ALIASES = 100;

/** A file's name and raw bytes, as read by an adapter (src/io/read-files.ts) or a test. */
export interface RawFile {
  readonly file: string;
  readonly bytes: Uint8Array;
}

export interface SourceDocument {
  readonly file: string;
  /** 0-based position of the document within its file. */
  readonly index: number;
  readonly value: unknown;
}

export type DecodeResult = { ok: true; documents: SourceDocument[] } | { ok: false; problems: InputProblem[] };

export function decodeYaml(file: string, bytes: Uint8Array): DecodeResult {
  const fail = (message: string, fix: string): DecodeResult => ({ ok: false, problems: [{ file, path: "", message, fix }] });
  if (bytes.byteLength > MAX_FILE_BYTES) {
    return fail(
      `file is larger than the ${MAX_FILE_BYTES}-byte limit`,
      "split it into one file per tenant; a tenant spec is a few kilobytes",
    );
  }
  if (bytes.includes(0)) return fail("file is binary (contains NUL bytes)", "pass a YAML text file");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("file is not valid UTF-8", "save it as UTF-8");
  }
  if (text.trim() === "") return fail("file is empty", "add a document, or remove the file");

  const problems: InputProblem[] = [];
  const documents: SourceDocument[] = [];
  const parsed = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (!Array.isArray(parsed)) {
    return fail("file holds no YAML document", "add a document");
  }
  docs.forEach((doc, index) => {
    const errors = [...doc.errors, ...doc.warnings];
    if (errors.length > 0) {
      for (const err of errors) {
        // linePos is only filled with prettyErrors; the offset always is, so the line is never lost.
        const line = err.linePos?.[0] ?? ((offset: number) => {
          const lines = text.slice(0, offset).split("\n");
          return { line: lines.length, col: (lines.at(-1)?.length ?? 0) + 1 };
        })(err.pos[0]);
        problems.push({
          file,
          path: `document ${index + 1}, line ${line.line} column ${line.col}`,
          message: `YAML: ${err.message.split("\n")[0] ?? err.code}`,
          fix: err.code === "DUPLICATE_KEY" ? "keep only one of the duplicated keys" : "correct the YAML syntax",
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      problems.push({
        file,
        path: `document ${index + 1}`,
        message: /alias/i.test(message) ? "too many YAML aliases (possible alias bomb)" : `YAML: ${message}`,
        fix: /alias/i.test(message) ? "write the values out instead of expanding anchors many times" : "correct the YAML",
      });
      return;
    }
    if (value === null || value === undefined) return; // an empty document between '---' separators
    documents.push({ file, index, value });
  });
  if (problems.length > 0) return { ok: false, problems };
  if (documents.length === 0) return fail("file holds only empty documents", "add a document, or remove the file");
  return { ok: true, documents };
}
