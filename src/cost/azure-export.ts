/**
 * Azure cost exports (CSV) parsed into rows assigned to tenants by the `tenant` tag that
 * the customer-instance Terraform module puts on every resource, or by the `customer` tag
 * the first customer's resources carried before Landlord existed (matched against the
 * fleet's customerIds and names, passed in). Two column sets exist:
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
  /** The tenant (metadata.name) the row is assigned to, by its `tenant` or its `customer` tag. */
  readonly tenant?: string;
}

export interface AzureImport {
  readonly schema: AzureSchema;
  /** Every valid row, tagged or not. */
  readonly rows: readonly CloudCostRow[];
  /** Rows with neither a tenant nor a customer tag: platform cost or a resource created outside Landlord. */
  readonly untagged: readonly CloudCostRow[];
  /**
   * Rows whose `customer` tag (their only owner tag) names no tenant: left unassigned, like
   * untagged rows, until a tenant's spec.customerId says whose they are.
   */
  readonly unmatched: readonly CloudCostRow[];
}

/** What the import matches `customer` tags against: a tenant's name and its spec.customerId. */
export interface TenantIdentity {
  readonly name: string;
  readonly customerId?: string;
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
  /**
   * Every tenant of the fleet, not only the one reported on: a `customer` tag naming a
   * tenant left out here would be listed as unmatched, or as disagreeing with `tenant`.
   */
  readonly tenants: readonly TenantIdentity[];
}

/** The seed's own owner tag (the Terraform module writes it too, holding the billing identity). */
export const CUSTOMER_TAG = "customer";

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
  const unmatched: CloudCostRow[] = [];
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
    const owner = ownerOf(tags, tenantTag, options.tenants);
    if ("problem" in owner) {
      problems.push(where(`line ${line}.tags`, owner.problem.message, owner.problem.fix));
      return;
    }
    const tenant = owner.tenant;
    const row: CloudCostRow = {
      line,
      date,
      cost,
      currency,
      resourceId: cell("resourceId"),
      resourceGroup: cell("resourceGroup"),
      meterCategory: cell("meterCategory"),
      tags,
      ...(tenant === undefined ? {} : { tenant }),
    };
    rows.push(row);
    if (row.tenant === undefined) (owner.unmatched ? unmatched : untagged).push(row);
  });
  if (problems.length > 0) throw new InputError(problems);
  return { schema, rows, untagged, unmatched };
}

type Owner = { readonly tenant?: string; readonly unmatched?: true } | { readonly problem: { readonly message: string; readonly fix: string } };

/**
 * Whose a row is, from its `tenant` tag (exact: the Terraform module writes the name) and its
 * `customer` tag (matched by tenantOfCustomer). With both, they must name the same tenant:
 * picking one would bill one customer for what the other tag says is another's.
 */
function ownerOf(tags: Readonly<Record<string, string>>, tenantTag: string, tenants: readonly TenantIdentity[]): Owner {
  // A tenantTag option of `customer` makes the two tags one: nothing to compare.
  const byTag = tenantTag === CUSTOMER_TAG ? undefined : nonEmpty(tags[tenantTag]);
  const customer = nonEmpty(tags[CUSTOMER_TAG]);
  if (customer === undefined) return byTag === undefined ? {} : { tenant: byTag };
  const match = tenantOfCustomer(customer, tenants);
  if (match !== undefined && "ambiguous" in match) {
    return {
      problem: {
        message: `tag ${CUSTOMER_TAG} '${customer}' matches tenants ${match.ambiguous.map((t) => `'${t}'`).join(" and ")} only when case is ignored`,
        fix: "set the tag to the exact spec.customerId (or name) of the tenant it belongs to",
      },
    };
  }
  if (byTag === undefined) return match === undefined ? { unmatched: true } : { tenant: match.tenant };
  const tagged = tenants.find((t) => t.name === byTag);
  if (match === undefined && tagged === undefined) {
    // Neither names a tenant of the fleet (one since offboarded, say): kept as today, under
    // the tenant tag, where the report lists it as cost of an unknown tenant.
    return { tenant: byTag };
  }
  if (match !== undefined && match.tenant === byTag) return { tenant: byTag };
  const fixes: string[] = [];
  if (tagged !== undefined) fixes.push(`if the resource is ${byTag}'s, set its ${CUSTOMER_TAG} tag to '${tagged.customerId ?? tagged.name}'`);
  if (match !== undefined) fixes.push(`if it is ${match.tenant}'s, set its ${tenantTag} tag to '${match.tenant}'`);
  else fixes.push(`if '${customer}' is the customer id of ${byTag}, set customerId: ${customer} in its spec`);
  const message =
    match === undefined
      ? `tag ${tenantTag} '${byTag}' and tag ${CUSTOMER_TAG} '${customer}' disagree: '${customer}' is neither the customerId nor the name of tenant '${byTag}'`
      : tagged === undefined
        ? `tag ${tenantTag} '${byTag}' names no tenant of the fleet, tag ${CUSTOMER_TAG} '${customer}' names tenant '${match.tenant}'`
        : `tag ${tenantTag} '${byTag}' and tag ${CUSTOMER_TAG} '${customer}' name different tenants ('${byTag}' and '${match.tenant}')`;
  // A file already exported keeps the tags it was written with: it needs the same correction.
  return { problem: { message, fix: `${fixes.join("; ")}; rows already exported keep the old tags, so correct them in the file too` } };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * The tenant a `customer` tag value names: one whose spec.customerId, or metadata.name,
 * equals it. Compared trimmed and ignoring case: Azure keeps tag values as typed, and the
 * seed's were typed by hand ("Acme" on one resource, "acme" on the next), while two
 * customers told apart only by case would be a typo, not a convention. Exact matches come
 * first, and a tenant's billing identity (customerId, else name: what the Terraform module
 * writes in this tag) before another tenant's name, so case-folding never takes a row from
 * the tenant it names exactly; several matches of the same kind are ambiguous, never guessed.
 */
export function tenantOfCustomer(value: string, tenants: readonly TenantIdentity[]): { tenant: string } | { ambiguous: readonly string[] } | undefined {
  const wanted = value.trim();
  const folded = wanted.toLowerCase();
  const identity = (t: TenantIdentity) => t.customerId ?? t.name;
  const ranks: ((t: TenantIdentity) => boolean)[] = [
    (t) => identity(t) === wanted,
    (t) => t.name === wanted,
    (t) => identity(t).toLowerCase() === folded,
    (t) => t.name.toLowerCase() === folded,
  ];
  for (const rank of ranks) {
    const found = [...new Set(tenants.filter(rank).map((t) => t.name))];
    if (found.length === 1 && found[0] !== undefined) return { tenant: found[0] };
    if (found.length > 1) return { ambiguous: found.sort() };
  }
  return undefined;
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
 * count them twice, so they are set apart as `compute`. Shared pools stay the allocation's
 * alone: their VMs are split by usage there, whatever tags their rows carry here.
 */
const COMPUTE_METERS = new Set(["virtual machines", "virtual machines licenses"]);

export function isNodeCompute(row: CloudCostRow): boolean {
  return COMPUTE_METERS.has(row.meterCategory.toLowerCase());
}

export interface CloudCostOptions {
  /**
   * Tenants with a dedicated node pool or cluster that the allocation gave no node cost
   * (no usage was read for it): their tagged node VM rows are their cost, the export being
   * the only measure of those nodes left. Without this, such a tenant's dedicated compute
   * would be set apart as counted elsewhere and counted nowhere.
   */
  readonly nodesFromExport?: ReadonlySet<string>;
}

/** Cloud cost per tenant for the days of a month (YYYY-MM). */
export function cloudCostByTenant(rows: readonly CloudCostRow[], month: string, options: CloudCostOptions = {}): { byTenant: Map<string, Micros>; untagged: Micros; compute: Micros } {
  const byTenant = new Map<string, Micros>();
  let untagged = 0n;
  let compute = 0n;
  for (const r of rows) {
    if (!r.date.startsWith(`${month}-`)) continue;
    const fromExport = r.tenant !== undefined && options.nodesFromExport?.has(r.tenant) === true;
    if (isNodeCompute(r) && !fromExport) compute += r.cost;
    else if (r.tenant === undefined) untagged += r.cost;
    else byTenant.set(r.tenant, (byTenant.get(r.tenant) ?? 0n) + r.cost);
  }
  return { byTenant, untagged, compute };
}
