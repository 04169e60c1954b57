/**
 * Adapter: an issued invoice or credit note as a PDF a customer can read (pdfkit, standard
 * Helvetica, so no font files ship with Landlord). The creation date is the issue date, so
 * the same document gives the same bytes.
 */
import PDFDocument from "pdfkit";
import type { IssuedDocument } from "./invoice.js";
import { formatMinor } from "./money.js";

export interface Issuer {
  readonly name: string;
  readonly address?: readonly string[];
}

export function invoicePdf(doc: IssuedDocument, issuer: Issuer, customer: string): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: "A4",
    margin: 56,
    compress: false,
    info: { Title: `${doc.kind === "invoice" ? "Invoice" : "Credit note"} ${doc.number}`, Author: issuer.name, CreationDate: doc.issuedAt, ModDate: doc.issuedAt },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on("data", (c: Buffer) => {
      chunks.push(c);
    });
    pdf.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    pdf.on("error", reject);
  });
  const money = (minor: bigint) => `${formatMinor(minor, doc.currency)} ${doc.currency}`;
  const left = 56;
  const right = pdf.page.width - 56;
  const width = right - left;

  pdf.font("Helvetica-Bold").fontSize(20).text(doc.kind === "invoice" ? "Invoice" : "Credit note", left, 56);
  pdf.font("Helvetica").fontSize(10).moveDown(0.5);
  pdf.text(issuer.name);
  for (const line of issuer.address ?? []) pdf.text(line);
  pdf.moveDown();
  pdf.text(`Number: ${doc.number}`);
  pdf.text(`Date: ${doc.issuedAt.toISOString().slice(0, 10)}`);
  pdf.text(`Customer: ${customer} (${doc.tenantName})`);
  pdf.text(`Period: ${doc.month}`);
  if (doc.credits !== null) pdf.text(`Corrects invoice: ${doc.credits}`);
  if (doc.reason !== null) pdf.text(`Reason: ${doc.reason}`);
  pdf.moveDown(1.5);

  const amountWidth = 120;
  const row = (description: string, amount: string, bold = false) => {
    pdf.font(bold ? "Helvetica-Bold" : "Helvetica");
    const y = pdf.y;
    pdf.text(description, left, y, { width: width - amountWidth - 10 });
    const after = pdf.y;
    pdf.text(amount, right - amountWidth, y, { width: amountWidth, align: "right" });
    pdf.y = Math.max(after, pdf.y);
    pdf.moveDown(0.3);
  };
  row("Description", "Amount", true);
  pdf.moveTo(left, pdf.y).lineTo(right, pdf.y).stroke();
  pdf.moveDown(0.3);
  for (const l of doc.lines) row(l.description, money(l.amountMinor));
  pdf.moveTo(left, pdf.y).lineTo(right, pdf.y).stroke();
  pdf.moveDown(0.3);
  row("Total", money(doc.totalMinor), true);
  pdf.end();
  return done;
}
