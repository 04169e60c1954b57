/**
 * `landlord cost [TENANT] --month YYYY-MM`: what each customer cost and pays, as a table,
 * JSON, CSV or OpenCost allocation (the report itself is src/app/cost-report.ts).
 */
import { costCsv, costFooter, costJson, costRows, COST_COLUMNS, openCostAllocation } from "../../cost/output.js";
import { toJson } from "../../render/serialize.js";
import { buildMonthReport, monthRange, type BuiltReport, type MonthReportOptions } from "../../app/cost-report.js";
import type { CliIo } from "../io.js";
import { deliveredFleet } from "../../app/delivered-fleet.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { table } from "./tenants.js";

export interface CostOptions extends MonthReportOptions {
  readonly file?: readonly string[];
  readonly output: "table" | "json" | "csv" | "opencost";
}

/** The month report of the fleet a command reads (-f files, else the store); a mistyped month is refused before the store is opened. */
export async function commandMonthReport(io: CliIo, global: GlobalOptions, tenant: string | undefined, opts: Omit<CostOptions, "output">): Promise<BuiltReport> {
  monthRange(opts.month);
  return buildMonthReport(await deliveredFleet(io, global, opts.file), tenant, opts, io.cwd);
}

export async function costCommand(io: CliIo, global: GlobalOptions, tenant: string | undefined, opts: CostOptions): Promise<void> {
  const { report, tenants, warnings, start, end } = await commandMonthReport(io, global, tenant, opts);
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  const namespaceOf = new Map(tenants.map((t) => [t.name, t.namespace]));
  if (opts.output === "json") io.stdout(toJson(costJson(report)));
  else if (opts.output === "csv") io.stdout(costCsv(report));
  else if (opts.output === "opencost") {
    io.stdout(toJson(openCostAllocation(report, (t) => namespaceOf.get(t) ?? t, { start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString() })));
  } else io.stdout(table(costRows(report), [...COST_COLUMNS]) + costFooter(report));
}
