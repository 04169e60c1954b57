/**
 * The PromQL fence without a server: exact rewrites, and a property over generated
 * queries — every result is fenced on every selector, or the query is refused with an
 * InputError (never an internal error, never a namespace matcher of the user's that widens).
 */
import fc from "fast-check";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, test } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseDurationSeconds, scopeQuery } from "../../src/spec/scope-promql.js";

const NS = "tenant-acme";

describe("scopeQuery rewrites", () => {
  test.each([
    ["up", 'up{namespace="tenant-acme"}'],
    ["up{}", 'up{namespace="tenant-acme"}'],
    ['up{job="a"}', 'up{namespace="tenant-acme",job="a"}'],
    ['{__name__=~"a|b"}', '{namespace="tenant-acme",__name__=~"a|b"}'],
    ["rate(x[5m]) / on() group_left y", 'rate(x{namespace="tenant-acme"}[5m]) / on() group_left y{namespace="tenant-acme"}'],
    ["max_over_time(x[1h:1m] offset 5m)", 'max_over_time(x{namespace="tenant-acme"}[1h:1m] offset 5m)'],
    ["time() - 1", "time() - 1"],
  ])("%s -> %s", (q, out) => {
    expect(scopeQuery(q, NS)).toBe(out);
  });

  test.each([
    ["5m", 300],
    ["1h30m", 5400],
    ["1d", 86400],
    ["2w", 1209600],
    ["500ms", 0.5],
    ["90", 90],
    ["5x", undefined],
    ["", undefined],
  ])("duration %s = %s s", (d, s) => {
    expect(parseDurationSeconds(d)).toBe(s);
  });
});

/** A small PromQL grammar with hostile pieces mixed in. */
const nsMatcher = fc.constantFrom(
  'namespace="tenant-acme"',
  'namespace="tenant-globex"',
  'namespace=~".*"',
  'namespace!="tenant-acme"',
  'namespace=~"tenant-acme"',
  '"namespace"="tenant-globex"',
  'namespace=""',
);
const otherMatcher = fc.constantFrom('job="app"', 'pod=~"a.*"', '__name__=~".+"', 'code!="200"');
const selector = fc
  .tuple(fc.constantFrom("up", "x", "http_requests_total", ""), fc.array(fc.oneof(nsMatcher, otherMatcher), { maxLength: 3 }))
  .map(([name, ms]) => (ms.length === 0 && name === "" ? "up" : `${name}${ms.length > 0 || name === "" ? `{${ms.join(", ")}}` : ""}`));
const range = fc.constantFrom("5m", "1h", "8d", "1y", "5m+1m");
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    selector,
    fc.tuple(selector, range).map(([s, r]) => `rate(${s}[${r}])`),
    fc.tuple(tie("e"), tie("e"), fc.constantFrom("or", "and", "unless", "+", "/ on()", "* on(namespace) group_left")).map(([a, b, op]) => `(${a}) ${op} (${b})`),
    fc.tuple(tie("e"), fc.constantFrom("sum", "max", "count")).map(([a, agg]) => `${agg} by (namespace) (${a})`),
    tie("e").map((a) => `label_replace(${a}, "namespace", "tenant-globex", "", "")`),
    tie("e").map((a) => `label_replace(${a}, "copy", "$1", "namespace", "(.*)")`),
    fc.tuple(tie("e"), range).map(([a, r]) => `max_over_time((${a})[${r}:1m])`),
    fc.tuple(tie("e"), fc.constantFrom("5m", "30d", "-1h")).map(([a, o]) => `(${a}) offset ${o}`),
    tie("e").map((a) => `info(${a})`),
  ),
})).e;

/** Every vector selector of a query, with its namespace matchers as written. */
function namespaceMatchersPerSelector(q: string): string[][] {
  const out: string[][] = [];
  parser.parse(q).iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      const ms: string[] = [];
      const lm = ref.node.getChild("LabelMatchers");
      for (let m = lm?.firstChild; m; m = m.nextSibling) {
        const text = q.slice(m.from, m.to);
        if (/^"?namespace"?\s*(=|!=|=~|!~)/.test(text)) ms.push(text);
      }
      out.push(ms);
    },
  });
  return out;
}

describe("scopeQuery over generated queries", () => {
  test("fenced on every selector with nothing wider, or refused with an InputError", () => {
    fc.assert(
      fc.property(expr, (q) => {
        let scoped: string;
        try {
          scoped = scopeQuery(q, NS);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          return;
        }
        const selectors = namespaceMatchersPerSelector(scoped);
        expect(selectors.length).toBeGreaterThan(0);
        for (const ms of selectors) {
          expect(ms).toContain(`namespace="${NS}"`);
          for (const m of ms) expect([`namespace="${NS}"`, `namespace='${NS}'`]).toContain(m);
        }
        expect(scoped).not.toMatch(/tenant-globex|info\(|"namespace", "tenant/);
      }),
      { numRuns: 1500 },
    );
  });
});
