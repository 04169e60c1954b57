/** The shapes of the API's costs, monitoring and rollout answers the portal reads (src/server/schemas.ts). */
export interface Invoice {
  number: string;
  kind: "invoice" | "credit_note";
  tenant: string;
  month: string;
  currency: string;
  issuedAt: string;
  credits: string | null;
  reason: string | null;
  lines: { description: string; amount: string; amountMinor: number }[];
  total: string;
  totalMinor: number;
}

interface Amount {
  minor: number;
}
/** The parts of `landlord cost -o json` the pages show. */
export interface CostReport {
  month: string;
  report: {
    currency: string;
    tenants: { tenant: string; tier: string; cloud: Amount; cost: Amount; price: Amount; margin: Amount; overage: { resource: string; minor: number }[] }[];
  };
  warnings: string[];
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface Alerts {
  tenant: string;
  routing: { route: { matchers?: string[]; group_by?: string[] } | null; receiver: ({ name?: string } & Record<string, unknown>) | null } | null;
  rules: { name?: string; rules?: AlertRule[] }[];
  firing: { alertname: string; severity: string | null; state: string; since: string | null; summary: string | null }[] | null;
  notes: string[];
}
export interface Sla {
  tenant: string;
  tier: string;
  month: string;
  requests: number;
  failed: number;
  availability: number | null;
  promise: number | null;
  status: "met" | "missed" | "no-data" | "no-sla";
  creditPercent: number;
  credit: number;
  currency: string;
  days: SlaDay[];
}
export interface SlaDay {
  date: string;
  requests: number;
  failed: number;
  availability: number | null;
}

export type UsageWindow = "24h" | "7d" | "30d";
export interface UsageSeries {
  id: "cpu" | "memory" | "requests" | "errors";
  title: string;
  unit: "cores" | "bytes" | "requests/s" | "percent";
  query: string | null;
  points: { at: number; value: number }[];
  error: string | null;
}
export interface Usage {
  tenant: string;
  window: UsageWindow;
  start: number;
  end: number;
  stepSeconds: number;
  rangeSeconds: number;
  series: UsageSeries[];
  notes: string[];
}

export interface Release {
  version: string;
  image: string | null;
  notes: string | null;
  created: string;
  createdBy: string;
}
export interface Rollout {
  id: string;
  version: string;
  state: string;
  requested: "pause" | "abort" | null;
  reason: string | null;
  skipped: { tenant: string; reason: string }[];
  workflowId: string | null;
  actor: string;
  created: string;
  updated: string;
  finished: string | null;
}
export interface RolloutDetail extends Rollout {
  targets: { tenant: string; wave: string; state: string; reason: string | null; updated: string }[];
  events: { id: number; at: string; wave: string | null; tenant: string | null; message: string }[];
}
