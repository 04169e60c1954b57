/**
 * Azure cost exports (CSV) parsed into rows assigned to tenants by the `tenant` tag that
 * the customer-instance Terraform module puts on every resource. Two column sets exist:
 * the older pay-as-you-go one (UsageDateTime, PreTaxCost, Currency, InstanceId, Tags) and
 * the EA/MCA one (Date, CostInBillingCurrency, BillingCurrency(Code), ResourceId, Tags).
 * Real files differ in header case, may start with a BOM, write dates as MM/DD/YYYY or
 * YYYY-MM-DD, and write tags as JSON with or without the outer braces. Pure: text in, rows out.
 */
import { parse } from "csv-parse/sync";
import { InputError, type InputProblem } from "../errors.js";
import { parseMajor, type Micros } from "./money.js";

export type AzureSchema = "pay-as-you-go" | "ea-mca";

export interface CloudCostRow {
  /** 1-based line in the file (the header is line 1). */
  readonly line: number;
  /** Usage day, YYYY-MM-DD. */
  readonly date: string;
  readonly cost: Micros;
  readonly currency: string;
  readonly resourceId: string;
  readonly resourceGroup: string;
  readonly meterCategory: string;
  /** Tag names lower-cased: Azure tag names are case-insensitive. */
  readonly tags: Readonly<Record<string, string>>;
  readonly tenant?: string;
}

export interface AzureImport {
  readonly schema: AzureSchema;
  /** Every valid row, tagged or not. */
  readonly rows: readonly CloudCostRow[];
  /** Rows without a tenant tag: platform cost or a resource created outside Landlord. */
  readonly untagged: readonly CloudCostRow[];
}

/** Accepted header names (lower-cased) per field, pay-as-you-go first. */
const COLUMNS = {
  date: ["usagedatetime", "date", "usagedate"],
  cost: ["pretaxcost", "costinbillingcurrency"],
  currency: ["currency", "billingcurrency", "billingcurrencycode"],
  resourceId: ["instanceid", "resourceid"],
  resourceGroup: ["resourcegroup", "resourcegroupname"],
  meterCategory: ["metercategory"],
  tags: ["tags"],
} as const;

type Field = keyof typeof COLUMNS;
const REQUIRED: readonly Field[] = ["date", "cost", "currency", "resourceId", "tags"];

export interface AzureImportOptions {
  readonly file?: string;
  /** landlord.yaml billing.currency: rows in another currency are refused, not converted. */
  readonly currency: string;
  /** The tag holding the tenant name (the Terraform module writes `tenant`). */
  readonly tenantTag?: string;
}

export function parseAzureCostExport(text: string, options: AzureImportOptions): AzureImport {
  const file = options.file;
  const where = (path: string, message: string, fix: string): InputProblem => ({ ...(file === undefined ? {} : { file }), path, message, fix });
  let records: string[][];
  try {
    const parsed: unknown = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
    records = parsed as string[][];
  } catch (err) {
    throw new InputError([where("", `not a readable CSV file: ${err instanceof Error ? err.message : String(err)}`, "export the costs again as CSV from Cost Management")]);
  }
  const header = (records[0] ?? []).map((h) => h.replace(/^\uFEFF/, "").trim().toLowerCase());
  const index = {} as Record<Field, number>;
  for (const field of Object.keys(COLUMNS) as Field[]) {
    index[field] = header.findIndex((h) => (COLUMNS[field] as readonly string[]).includes(h));
  }
  const schema: AzureSchema = header.includes("pretaxcost") ? "pay-as-you-go" : "ea-mca";
  const missing = REQUIRED.filter((f) => index[f] < 0);
  if (missing.length > 0) {
    throw new InputError(
      missing.map((f) =>
        where(`header.${f}`, `no ${f} column (looked for ${COLUMNS[f].join(", ")}, any case)`, "export an Actual cost or Amortized cost report (pay-as-you-go, EA or MCA) from Azure Cost Management"),
      ),
    );
  }

  const tenantTag = (options.tenantTag ?? "tenant").toLowerCase();
  const problems: InputProblem[] = [];
  const rows: CloudCostRow[] = [];
  const untagged: CloudCostRow[] = [];
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    const cell = (f: Field) => (index[f] < 0 ? "" : (record[index[f]] ?? ""));
    const date = parseExportDate(cell("date"));
    if (date === undefined) problems.push(where(`line ${line}.date`, `'${cell("date")}' is not a date`, "dates are MM/DD/YYYY or YYYY-MM-DD"));
    const currency = cell("currency").toUpperCase();
    if (currency !== options.currency.toUpperCase()) {
      problems.push(where(`line ${line}.currency`, `row is in '${currency}', billing is in ${options.currency}`, "export in the billing currency, or change billing.currency"));
    }
    const cost = parseMajor(cell("cost"), options.currency);
    if (cost === undefined) problems.push(where(`line ${line}.cost`, `'${cell("cost")}' is not an amount`, "amounts are decimals such as 12.34"));
    const tags = parseTags(cell("tags"));
    if (tags === undefined) problems.push(where(`line ${line}.tags`, `'${cell("tags")}' is not a tags object`, 'tags are JSON, e.g. {"tenant": "acme"} or "tenant": "acme"'));
    if (date === undefined || cost === undefined || tags === undefined) return;
    const tenant = tags[tenantTag];
    const row: CloudCostRow = {
      line,
      date,
      cost,
      currency,
      resourceId: cell("resourceId"),
      resourceGroup: cell("resourceGroup"),
      meterCategory: cell("meterCategory"),
      tags,
      ...(tenant === undefined || tenant === "" ? {} : { tenant }),
    };
    rows.push(row);
    if (row.tenant === undefined) untagged.push(row);
  });
  if (problems.length > 0) throw new InputError(problems);
  return { schema, rows, untagged };
}

/** MM/DD/YYYY (US exports) or YYYY-MM-DD, either optionally followed by a time. */
export function parseExportDate(text: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(text);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: .*)?$/.exec(text);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (us) [y, m, d] = [Number(us[3]), Number(us[1]), Number(us[2])];
  else return undefined;
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return check.toISOString().slice(0, 10);
}

/** `{"a":"b"}` or `"a": "b"` (older exports drop the braces); empty means no tags. */
export function parseTags(text: string): Record<string, string> | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(trimmed.startsWith("{") ? trimmed : `{${trimmed}}`);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k.toLowerCase()] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/**
 * Node VMs are costed by the allocation (price book or node price series), dedicated pools
 * and clusters included; their rows in the export (tagged through the node pool) would
 * count them twice, so they are set apart as `compute`.
 */
const COMPUTE_METERS = new Set(["virtual machines", "virtual machines licenses"]);

/** Cloud cost per tenant for the days of a month (YYYY-MM). */
export function cloudCostByTenant(rows: readonly CloudCostRow[], month: string): { byTenant: Map<string, Micros>; untagged: Micros; compute: Micros } {
  const byTenant = new Map<string, Micros>();
  let untagged = 0n;
  let compute = 0n;
  for (const r of rows) {
    if (!r.date.startsWith(`${month}-`)) continue;
    if (COMPUTE_METERS.has(r.meterCategory.toLowerCase())) compute += r.cost;
    else if (r.tenant === undefined) untagged += r.cost;
    else byTenant.set(r.tenant, (byTenant.get(r.tenant) ?? 0n) + r.cost);
  }
  return { byTenant, untagged, compute };
}
