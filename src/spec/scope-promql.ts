/**
 * Tenant-scoped PromQL: every series a query reads is fenced to the tenant's namespace.
 *
 * The query is parsed with Prometheus' own grammar (@prometheus-io/lezer-promql), never with
 * regular expressions, and a `namespace="<ns>"` matcher is added to every vector selector.
 * An equality matcher on the same label is an intersection, so whatever else a selector
 * says it can only narrow the result; a selector that names another namespace (or a
 * negation, a regex) is refused rather than silently emptied, so that the user learns why.
 * Everything that could leak across the fence without a selector (info() joins
 * target_info by instance, label_replace/label_join/count_values writing `namespace`) is
 * refused too, and every lookback (ranges, subqueries, offsets, @) is capped, since a
 * query over months of a busy fleet is an outage for all tenants. The rewritten query is
 * parsed again and checked before it is returned: a bug here must fail closed.
 *
 * Pure: no I/O, so the CLI and the HTTP API share it. In src/spec because loading
 * landlord.yaml fences every rollout gate query with it, and the spec layer imports nothing above it.
 */
import { parser } from "@prometheus-io/lezer-promql";
import { InputError, type InputProblem } from "../errors.js";

export interface ScopeLimits {
  /** Longest lookback of any selector: matrix range + subquery ranges + offsets, summed along its path. */
  readonly maxLookbackSeconds: number;
  /** Longest query_range window (end - start). */
  readonly maxQueryRangeSeconds: number;
  /** Smallest step of a range query. */
  readonly minStepSeconds: number;
  /** Most points per series a range query may return (Prometheus' own hard limit is 11,000). */
  readonly maxPoints: number;
  /** Longest query text accepted. */
  readonly maxQueryLength: number;
}

export const DEFAULT_SCOPE_LIMITS: ScopeLimits = {
  maxLookbackSeconds: 7 * 86400,
  maxQueryRangeSeconds: 32 * 86400,
  minStepSeconds: 15,
  maxPoints: 11000,
  maxQueryLength: 4096,
};

const NS_LABEL = "namespace";

/** A node of lezer's syntax tree (named through the parser, so @lezer/common need not be a dependency). */
type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

/** Parses a Prometheus duration ("1h30m", "500ms") or a plain number of seconds; undefined if it is neither. */
export function parseDurationSeconds(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === "") return undefined;
  const units = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
  return units.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
}

/**
 * The content of a PromQL string literal when it holds no escapes. Escapes are refused
 * (undefined) instead of decoded: a name or namespace never needs one, and a second
 * decoder that disagrees with Prometheus' on one edge case would be a way through the fence.
 */
function plainString(literal: string): string | undefined {
  if (literal.length < 2) return undefined;
  const q = literal[0];
  if ((q !== '"' && q !== "'" && q !== "`") || literal[literal.length - 1] !== q) return undefined;
  const body = literal.slice(1, -1);
  return body.includes("\\") ? undefined : body;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

interface Walk {
  readonly query: string;
  readonly namespace: string;
  readonly limits: ScopeLimits;
  readonly problems: InputProblem[];
  /** Text insertions, applied from the end so that earlier positions stay valid. */
  readonly inserts: { at: number; text: string }[];
}

function refuse(w: Walk, node: SyntaxNode | undefined, message: string, fix: string): void {
  const where = node ? ` at ${node.from + 1}: '${w.query.slice(node.from, Math.min(node.to, node.from + 60))}'` : "";
  w.problems.push({ path: `query${where}`, message, fix });
}

function text(w: Walk, node: SyntaxNode): string {
  return w.query.slice(node.from, node.to);
}

/** Seconds of a duration node that is a plain literal; refuses arithmetic and step()/range(). */
function literalDuration(w: Walk, node: SyntaxNode | undefined): number | undefined {
  const lit = node && (node.name === "NumberDurationLiteralInDurationContext" || node.name === "NumberDurationLiteral") ? node : node?.firstChild;
  if (!node || !lit || (node !== lit && (lit.nextSibling || children(node).length !== 1))) {
    refuse(w, node, "only plain durations are accepted here", "write a literal duration such as 5m or 1h");
    return undefined;
  }
  const raw = text(w, lit);
  const seconds = parseDurationSeconds(raw.startsWith("-") || raw.startsWith("+") ? raw.slice(1) : raw);
  if (seconds === undefined) refuse(w, node, `'${raw}' is not a duration`, "write a literal duration such as 5m or 1h");
  return seconds;
}

function checkLookback(w: Walk, node: SyntaxNode, lookback: number): void {
  if (lookback > w.limits.maxLookbackSeconds) {
    refuse(w, node, `looks back ${lookback}s, more than the ${w.limits.maxLookbackSeconds}s allowed`, "use shorter ranges, subqueries and offsets");
  }
}

/** Name of a label matcher, or undefined for the quoted metric-name form `{"up"}`. */
function matcherName(w: Walk, m: SyntaxNode): { name: string | undefined; node: SyntaxNode } | undefined {
  if (m.name === "UnquotedLabelMatcher") {
    const n = m.getChild("LabelName");
    return n ? { name: text(w, n), node: n } : undefined;
  }
  if (m.name === "QuotedLabelMatcher") {
    const n = m.getChild("QuotedLabelName")?.getChild("StringLiteral");
    return n ? { name: plainString(text(w, n)), node: n } : undefined;
  }
  return undefined;
}

function scopeSelector(w: Walk, sel: SyntaxNode, lookback: number): void {
  checkLookback(w, sel, lookback);
  const matchers = sel.getChild("LabelMatchers");
  for (const m of matchers ? children(matchers) : []) {
    const named = matcherName(w, m);
    if (!named) continue;
    if (named.name === undefined) {
      refuse(w, m, "escaped label names are not accepted", "write the label name without escapes");
      continue;
    }
    if (named.name !== NS_LABEL) continue;
    const op = m.getChild("MatchOp")?.firstChild?.name;
    const valueNode = m.getChild("StringLiteral");
    const value = valueNode ? plainString(text(w, valueNode)) : undefined;
    if (op !== "EqlSingle" || value !== w.namespace) {
      refuse(w, m, `this query may only read namespace ${w.namespace}`, `drop the namespace matcher (it is added for you) or write namespace="${w.namespace}"`);
    }
  }
  const fence = `${NS_LABEL}="${w.namespace}"`;
  if (!matchers) {
    w.inserts.push({ at: sel.to, text: `{${fence}}` });
    return;
  }
  const empty = w.query.slice(matchers.from + 1, matchers.to - 1).trim() === "";
  w.inserts.push({ at: matchers.from + 1, text: empty ? fence : `${fence},` });
}

/** The string-literal arguments of a call, in order; undefined where an argument is not one. */
function stringArgs(w: Walk, body: SyntaxNode | null): (string | undefined)[] {
  return body ? children(body).map((a) => (a.name === "StringLiteral" ? plainString(text(w, a)) : undefined)) : [];
}

function visit(w: Walk, node: SyntaxNode, lookback: number): void {
  switch (node.name) {
    case "VectorSelector":
      scopeSelector(w, node, lookback);
      return;
    case "MatrixSelector": {
      const [sel, range] = [node.getChild("VectorSelector"), node.getChild("DurationExpr")];
      const seconds = literalDuration(w, range ?? undefined);
      if (sel) visit(w, sel, lookback + (seconds ?? 0));
      return;
    }
    case "SubqueryExpr": {
      const durations = node.getChildren("DurationExpr");
      const seconds = literalDuration(w, durations[0]);
      if (durations[1]) literalDuration(w, durations[1]);
      const inner = node.firstChild;
      if (inner && inner.name !== "DurationExpr") visit(w, inner, lookback + (seconds ?? 0));
      return;
    }
    case "OffsetExpr": {
      const seconds = literalDuration(w, node.getChild("OffsetDurationExpr") ?? undefined);
      const inner = node.firstChild;
      if (inner) visit(w, inner, lookback + (seconds ?? 0));
      return;
    }
    case "StepInvariantExpr": {
      // `@ start()` / `@ end()` stay inside the query's own window; a timestamp could point anywhere.
      if (!node.getChild("AtModifierPreprocessors")) {
        refuse(w, node, "@ with a timestamp is not accepted", "use @ start() or @ end(), or set --time/--start/--end");
      }
      break;
    }
    case "FunctionCall": {
      const fn = node.getChild("FunctionIdentifier")?.firstChild?.name;
      const args = stringArgs(w, node.getChild("FunctionCallBody"));
      if (fn === "Info") {
        refuse(w, node, "info() joins target_info across namespaces", "select the info metric yourself and join it with on(...) group_left");
      }
      // The destination label is the second argument of both; anything but a plain other name is refused.
      if ((fn === "LabelReplace" || fn === "LabelJoin") && (args[1] === undefined || args[1] === NS_LABEL)) {
        refuse(w, node, `${fn === "LabelReplace" ? "label_replace" : "label_join"} may not write the namespace label`, "write the result into another label");
      }
      break;
    }
    case "AggregateExpr": {
      if (node.getChild("AggregateOp")?.firstChild?.name === "CountValues") {
        const [label] = stringArgs(w, node.getChild("FunctionCallBody"));
        if (label === undefined || label === NS_LABEL) refuse(w, node, "count_values may not write the namespace label", "count into another label");
      }
      break;
    }
    default:
      if (node.type.isError) {
        refuse(w, node, "not valid PromQL here", "check the query near this position");
        return;
      }
  }
  for (const c of children(node)) visit(w, c, lookback);
}

function walkQuery(query: string, namespace: string, limits: ScopeLimits): Walk {
  const w: Walk = { query, namespace, limits, problems: [], inserts: [] };
  const tree = parser.parse(query);
  visit(w, tree.topNode, 0);
  return w;
}

/**
 * Returns `query` with the tenant's namespace enforced on every selector, or throws an
 * InputError listing every part that cannot be scoped.
 */
export function scopeQuery(query: string, namespace: string, limits: ScopeLimits = DEFAULT_SCOPE_LIMITS): string {
  if (query.length > limits.maxQueryLength) {
    throw new InputError([{ path: "query", message: `the query is ${query.length} characters long, more than ${limits.maxQueryLength}`, fix: "shorten the query" }]);
  }
  if (query.trim() === "") throw new InputError([{ path: "query", message: "the query is empty", fix: "write a PromQL expression" }]);
  const w = walkQuery(query, namespace, limits);
  if (w.problems.length > 0) throw new InputError(w.problems);
  let scoped = query;
  for (const ins of [...w.inserts].sort((a, b) => b.at - a.at)) scoped = scoped.slice(0, ins.at) + ins.text + scoped.slice(ins.at);
  assertScoped(scoped, namespace, limits);
  return scoped;
}

/**
 * Fail closed: the query must parse, pass every check, and carry the fence on every
 * selector. Also run on Prometheus' own formatting of the query (format_query), so that a
 * difference between this grammar and Prometheus' parser cannot open the fence.
 */
export function assertScoped(scoped: string, namespace: string, limits: ScopeLimits = DEFAULT_SCOPE_LIMITS): void {
  const w = walkQuery(scoped, namespace, limits);
  const selectors: SyntaxNode[] = [];
  parser.parse(scoped).iterate({
    enter: (ref) => {
      if (ref.name === "VectorSelector") selectors.push(ref.node);
    },
  });
  const fenced = selectors.every((sel) => {
    const matchers = sel.getChild("LabelMatchers");
    return (matchers ? children(matchers) : []).some((m) => {
      const name = m.name === "UnquotedLabelMatcher" ? m.getChild("LabelName") : null;
      const value = m.getChild("StringLiteral");
      return name !== null && text(w, name) === NS_LABEL && m.getChild("MatchOp")?.firstChild?.name === "EqlSingle" && value !== null && plainString(text(w, value)) === namespace;
    });
  });
  if (w.problems.length > 0 || !fenced) throw new Error(`internal error: the scoped query is not fenced to ${namespace}; refusing it`);
}

export interface RangeWindow {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** Checks a query_range window (seconds since the epoch) against the limits. */
export function checkRangeWindow(win: RangeWindow, limits: ScopeLimits = DEFAULT_SCOPE_LIMITS): void {
  const problems: InputProblem[] = [];
  const span = win.end - win.start;
  if (!Number.isFinite(span) || span < 0) problems.push({ path: "start", message: "start is after end", fix: "give a start before the end" });
  if (span > limits.maxQueryRangeSeconds) {
    problems.push({ path: "start", message: `the range is ${span}s, more than the ${limits.maxQueryRangeSeconds}s allowed`, fix: "query a shorter window" });
  }
  if (Number.isNaN(win.step) || win.step < limits.minStepSeconds) {
    problems.push({ path: "step", message: `step must be at least ${limits.minStepSeconds}s`, fix: `use --step ${limits.minStepSeconds}s or more` });
  } else if (span / win.step > limits.maxPoints) {
    problems.push({ path: "step", message: `${Math.ceil(span / win.step)} points per series, more than ${limits.maxPoints}`, fix: `use a step of at least ${Math.ceil(span / limits.maxPoints)}s` });
  }
  if (problems.length > 0) throw new InputError(problems);
}
