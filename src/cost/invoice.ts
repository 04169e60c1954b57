/**
 * An invoice's lines, from a customer's month: the tier's base fee, what it was allocated
 * above the tier's allowance (overage.ts), and its tagged cloud resources, passed through;
 * both with the platform's markup. Each line is
 * rounded to minor units once, here; the total is the sum of the rounded lines, so the
 * document adds up as printed.
 */
import { toMinor, type Micros } from "./money.js";
import { markupBasisPoints, overageDescription, overageMinor, type OverageCharge } from "./overage.js";

export interface InvoiceLine {
  readonly description: string;
  /** Whole minor units, as printed. */
  readonly amountMinor: bigint;
}

export interface InvoiceDraft {
  readonly tenant: string;
  readonly month: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly totalMinor: bigint;
}

export interface InvoiceInput {
  readonly tenant: string;
  readonly month: string;
  readonly currency: string;
  readonly tier: string;
  readonly baseFee: Micros;
  /** Usage billed above the base fee, at cost; the markup is added here. */
  readonly usage: readonly { readonly description: string; readonly cost: Micros }[];
  readonly markupPercent: number;
  /** Above the tier's allowance (month-report's overage); each becomes a line unless it rounds to nothing. */
  readonly overage?: readonly OverageCharge[];
}

export function draftInvoice(input: InvoiceInput): InvoiceDraft {
  // Markup in basis points keeps the multiplication integer (20.5% -> 2050).
  const markupBp = markupBasisPoints(input.markupPercent);
  const lines: InvoiceLine[] = [{ description: `Base fee, ${input.tier} tier, ${input.month}`, amountMinor: toMinor(input.baseFee) }];
  for (const c of input.overage ?? []) {
    const amountMinor = overageMinor(c, markupBp);
    if (amountMinor !== 0n) lines.push({ description: overageDescription(c, input.currency, input.markupPercent), amountMinor });
  }
  for (const u of input.usage) {
    if (u.cost === 0n) continue;
    lines.push({ description: u.description, amountMinor: toMinor((u.cost * (10_000n + markupBp)) / 10_000n) });
  }
  return { tenant: input.tenant, month: input.month, currency: input.currency, lines, totalMinor: sumLines(lines) };
}

export function sumLines(lines: readonly InvoiceLine[]): bigint {
  return lines.reduce((a, l) => a + l.amountMinor, 0n);
}

/** An issued invoice or credit note as documents show it (the store's record has this shape). */
export interface IssuedDocument {
  readonly number: string;
  readonly kind: "invoice" | "credit_note";
  readonly tenantName: string;
  readonly month: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly totalMinor: bigint;
  readonly credits: string | null;
  readonly reason: string | null;
  readonly issuedAt: Date;
}
