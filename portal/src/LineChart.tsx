/**
 * A small line chart as SVG, for values over time. Like BarChart: the picture is one image
 * for screen readers (role="img") whose name says the latest value and the range, and the
 * same numbers are in a table under a disclosure. Missing data is a gap in the line and
 * "no data" in the table, never a zero; a series with no value at all draws no chart.
 * An optional threshold (an SLA promise) is drawn as a dashed line, and the points below
 * it get a different mark (a square, not only a colour) and are named in the summary.
 */
import { useId } from "react";

export interface LinePoint {
  /** Position on the x axis (unix seconds, or a day's index). */
  x: number;
  /** null: nothing was measured there. */
  y: number | null;
  /** How the x value is written in the summary and the table. */
  label: string;
}

const W = 640;
const H = 200;
const PAD = { top: 14, right: 12, bottom: 26, left: 84 };

function extent(values: number[], threshold: number | undefined, includeZero: boolean): [number, number] {
  const all = [...values, ...(threshold !== undefined ? [threshold] : []), ...(includeZero ? [0] : [])];
  let [lo, hi] = [Math.min(...all), Math.max(...all)];
  if (hi === lo) {
    // A flat line sits in the middle rather than on an edge.
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    [lo, hi] = [includeZero && lo >= 0 ? 0 : lo - pad, hi + pad];
  }
  return [lo, hi];
}

export function LineChart({ caption, points, format, xHeading, yHeading, maxGap, threshold, includeZero = false, emptyText = "No data for this window." }: {
  caption: string;
  points: readonly LinePoint[];
  format: (y: number) => string;
  xHeading: string;
  yHeading: string;
  /** Neighbours further apart than this on x are not joined: the data has a hole there. */
  maxGap?: number;
  threshold?: { value: number; label: string };
  includeZero?: boolean;
  emptyText?: string;
}) {
  const id = useId();
  const measured = points.filter((p): p is LinePoint & { y: number } => p.y !== null);
  const first = measured[0];
  const last = measured[measured.length - 1];
  if (!first || !last) {
    return (
      <figure className="chart line-chart" aria-labelledby={`${id}-cap`}>
        <figcaption id={`${id}-cap`}>{caption}</figcaption>
        <p className="chart-empty">{emptyText}</p>
      </figure>
    );
  }
  const values = measured.map((p) => p.y);
  const [lo, hi] = extent(values, threshold?.value, includeZero);
  const xs = points.map((p) => p.x);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const px = (x: number) => PAD.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => PAD.top + ((hi - y) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  // Runs of neighbouring measured points, split at nulls and at holes wider than maxGap.
  const runs: (LinePoint & { y: number })[][] = [];
  let prev: LinePoint | undefined;
  for (const p of points) {
    if (p.y === null) {
      prev = undefined;
      continue;
    }
    const joined = prev !== undefined && (maxGap === undefined || p.x - prev.x <= maxGap);
    if (joined) runs[runs.length - 1]?.push({ ...p, y: p.y });
    else runs.push([{ ...p, y: p.y }]);
    prev = p;
  }
  const below = threshold ? measured.filter((p) => p.y < threshold.value) : [];
  const lowest = Math.min(...values);
  const highest = Math.max(...values);
  const summary =
    `${caption}: latest ${format(last.y)} at ${last.label}; lowest ${format(lowest)}, highest ${format(highest)}; ` +
    `${String(measured.length)} of ${String(points.length)} points measured, ${first.label} to ${last.label}.` +
    (threshold ? ` ${String(below.length)} below ${threshold.label}${below.length > 0 ? `: ${below.map((p) => p.label).join(", ")}` : ""}.` : "");
  const dots = points.length <= 62;
  return (
    <figure className="chart line-chart" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>{caption}</figcaption>
      <svg viewBox={`0 0 ${String(W)} ${String(H)}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <g aria-hidden="true">
          <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={py(hi)} y2={py(hi)} />
          <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={py(lo)} y2={py(lo)} />
          <text className="chart-label" x={PAD.left - 6} y={py(hi) + 4} textAnchor="end">{format(hi)}</text>
          <text className="chart-label" x={PAD.left - 6} y={py(lo) + 4} textAnchor="end">{format(lo)}</text>
          <text className="chart-label" x={PAD.left} y={H - 6} textAnchor="start">{points[0]?.label}</text>
          <text className="chart-label" x={W - PAD.right} y={H - 6} textAnchor="end">{points[points.length - 1]?.label}</text>
          {threshold ? (
            <>
              <line className="chart-threshold" x1={PAD.left} x2={W - PAD.right} y1={py(threshold.value)} y2={py(threshold.value)} />
              {/* On the emptier side of the line: away from the points near it and from the x labels. */}
              <text className="chart-label" x={PAD.left + 4} y={py(threshold.value) + (py(threshold.value) > H / 2 ? -5 : 13)} textAnchor="start">{threshold.label}</text>
            </>
          ) : null}
        </g>
        {runs.map((run) => (
          <path key={run[0]?.x} className="chart-line" d={run.map((p, i) => `${i === 0 ? "M" : "L"}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`).join(" ")} />
        ))}
        {measured.map((p) => {
          const low = threshold !== undefined && p.y < threshold.value;
          // A lone point has no line to show it, so it always gets a mark.
          const alone = runs.some((r) => r.length === 1 && r[0]?.x === p.x);
          if (!low && !dots && !alone) return null;
          const [cx, cy] = [px(p.x), py(p.y)];
          const title = <title>{`${p.label}: ${format(p.y)}${low ? ` (below ${threshold.label})` : ""}`}</title>;
          return low ? (
            <rect key={p.x} className="chart-point chart-below" x={cx - 5} y={cy - 5} width={10} height={10} data-label={p.label}>{title}</rect>
          ) : (
            <circle key={p.x} className="chart-point" cx={cx} cy={cy} r={3} data-label={p.label}>{title}</circle>
          );
        })}
      </svg>
      <details className="chart-data">
        <summary>Show the numbers as a table</summary>
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr><th scope="col">{xHeading}</th><th scope="col">{yHeading}</th>{threshold ? <th scope="col">Against {threshold.label}</th> : null}</tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.x} className={threshold && p.y !== null && p.y < threshold.value ? "row-below" : undefined}>
                <th scope="row">{p.label}</th>
                <td>{p.y === null ? "no data" : format(p.y)}</td>
                {threshold ? <td>{p.y === null ? "-" : p.y < threshold.value ? "below" : "met"}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
