/**
 * Invoices on both store backends: numbered without gaps, one per tenant and month,
 * immutable once issued, corrected by credit notes; and the PDF, read back by pdftotext.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import { draftInvoice } from "../../src/cost/invoice.js";
import { invoicePdf } from "../../src/cost/invoice-pdf.js";
import { fromMinor } from "../../src/cost/money.js";
import { ConflictError, NotAllowedError } from "../../src/errors.js";
import { invoicesRepo } from "../../src/store/invoices-repo.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";

const run = promisify(execFile);
const now = new Date("2026-11-02T09:00:00.000Z");
const later = new Date("2026-11-20T09:00:00.000Z");

const draft = (tenant: string) =>
  draftInvoice({
    tenant,
    month: "2026-10",
    currency: "EUR",
    tier: "small",
    baseFee: fromMinor(4900),
    usage: [
      { description: "Cloud resources (Key Vault, backups, DNS) at cost plus markup", cost: 1_250_000_000n + 400_000n }, // 12.5004 EUR
      { description: "Nothing used", cost: 0n },
    ],
    markupPercent: 20,
  });

describe("invoice lines", () => {
  test("round once per line, with the markup on usage only; the total is the sum of printed lines", () => {
    const d = draft("acme");
    expect(d.lines.map((l) => [l.description.slice(0, 14), l.amountMinor])).toEqual([
      ["Base fee, smal", 4900n],
      ["Cloud resource", 1500n], // 12.5004 * 1.2 = 15.00048 EUR
    ]);
    expect(d.totalMinor).toBe(6400n);
  });
});

describe.each(BACKENDS)("invoices on %s", (factory) => {
  const backend = useBackend(factory);

  test("issue, refuse a second issue for the month without using a number, credit, refuse over-credit", async () => {
    const store = await backend.open();
    const invoices = invoicesRepo(store.db);
    const d = draft("acme");
    const first = await invoices.issue({ tenantName: "acme", month: "2026-10", currency: "EUR", lines: d.lines, now });
    expect(first).toMatchObject({ number: "INV-000001", kind: "invoice", totalMinor: 6400n, credits: null });

    const again = invoices.issue({ tenantName: "acme", month: "2026-10", currency: "EUR", lines: d.lines, now });
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toThrow(/already has invoice INV-000001 for 2026-10/);
    const second = await invoices.issue({ tenantName: "beta", month: "2026-10", currency: "EUR", lines: draft("beta").lines, now });
    expect(second.number).toBe("INV-000002"); // the refused issue left no gap

    const partial = await invoices.credit({ number: "INV-000001", reason: "two days of outage", amountMinor: 427n, now: later });
    expect(partial).toMatchObject({ number: "CN-000001", kind: "credit_note", credits: "INV-000001", totalMinor: -427n, reason: "two days of outage" });
    expect(partial.lines).toEqual([{ description: "Correction of INV-000001: two days of outage", amountMinor: -427n }]);
    await expect(invoices.credit({ number: "INV-000001", reason: "x", amountMinor: 6400n, now })).rejects.toBeInstanceOf(NotAllowedError);
    const rest = await invoices.credit({ number: "INV-000001", reason: "contract ended", now: later });
    expect(rest.totalMinor).toBe(-(6400n - 427n));
    await expect(invoices.credit({ number: "INV-000001", reason: "x", now })).rejects.toThrow(/0 minor units left to credit/);
    await expect(invoices.credit({ number: "CN-000001", reason: "x", now })).rejects.toThrow(/is a credit note/);

    const full = await invoices.credit({ number: "INV-000002", reason: "wrong tier", now });
    expect(full.lines.map((l) => l.amountMinor)).toEqual(draft("beta").lines.map((l) => -l.amountMinor));
    expect((await invoices.list({ tenantName: "acme" })).map((i) => `${i.number}:${i.totalMinor}`)).toEqual(["INV-000001:6400", "CN-000001:-427", "CN-000002:-5973"]);
  });

  test("issued documents cannot be changed or deleted by any client", async () => {
    const store = await backend.open();
    const invoices = invoicesRepo(store.db);
    const inv = await invoices.issue({ tenantName: "gamma", month: "2026-09", currency: "EUR", lines: draft("gamma").lines, now });
    await expect(sql`update invoices set total_minor = '1' where number = ${inv.number}`.execute(store.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from invoices where number = ${inv.number}`.execute(store.db)).rejects.toThrow(/immutable/);
    expect((await invoices.get(inv.number)).totalMinor).toBe(6400n);
  });

  test("concurrent issuers get consecutive numbers", async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => backend.open()));
    const before = (await invoicesRepo((stores[0] ?? (await backend.open())).db).list()).filter((i) => i.kind === "invoice").length;
    const issued = await Promise.all(
      stores.flatMap((s, i) => [0, 1].map((j) => invoicesRepo(s.db).issue({ tenantName: `t${i}-${j}`, month: "2026-08", currency: "EUR", lines: draft("t").lines, now }))),
    );
    const numbers = issued.map((i) => Number(i.number.slice(4))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 8 }, (_, k) => before + 1 + k));
  });
});

describe("invoice PDF", () => {
  test("reads back with pdftotext: number, customer, lines and total", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-pdf-"));
    try {
      const d = draft("acme");
      const record = { number: "INV-000042", kind: "invoice" as const, tenantName: "acme", month: "2026-10", currency: "EUR", lines: d.lines, totalMinor: d.totalMinor, credits: null, reason: null, issuedAt: now };
      const pdf = await invoicePdf(record, { name: "Landlord Hosting GmbH", address: ["Hauptstrasse 1", "10115 Berlin"] }, "Acme Corp");
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
      expect(await invoicePdf(record, { name: "Landlord Hosting GmbH", address: ["Hauptstrasse 1", "10115 Berlin"] }, "Acme Corp")).toEqual(pdf);
      await writeFile(join(dir, "invoice.pdf"), pdf);
      const { stdout } = await run("pdftotext", ["-layout", join(dir, "invoice.pdf"), "-"]);
      const text = stdout.replace(/[ \t]+/g, " ");
      expect(text).toMatch(/Invoice/);
      expect(text).toMatch(/Number: INV-000042/);
      expect(text).toMatch(/Customer: Acme Corp \(acme\)/);
      expect(text).toMatch(/Base fee, small tier, 2026-10 49\.00 EUR/);
      expect(text).toMatch(/Cloud resources \(Key Vault, backups, DNS\) at cost plus markup 15\.00 EUR/);
      expect(text).toMatch(/Total 64\.00 EUR/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
