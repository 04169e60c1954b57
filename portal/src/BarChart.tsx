/**
 * A small bar chart as SVG: the figure carries one summary for screen readers (role="img"),
 * each bar a <title> for pointer users, and the same numbers in a table under a disclosure
 * for keyboard and screen-reader users who want them one by one.
 */
import { useId } from "react";

export interface Bar {
  label: string;
  value: number;
}

const W = 640;
const H = 220;
const PAD = { top: 22, right: 8, bottom: 28, left: 8 };

export function BarChart({ caption, bars, format, valueHeading = "Value", labelHeading = "Label" }: {
  caption: string;
  bars: readonly Bar[];
  format: (value: number) => string;
  valueHeading?: string;
  labelHeading?: string;
}) {
  const id = useId();
  if (bars.length === 0) return null;
  const values = bars.map((b) => b.value);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + ((top - v) / span) * plotH;
  const slot = (W - PAD.left - PAD.right) / bars.length;
  const barW = Math.min(56, slot * 0.7);
  const highest = bars.reduce((a, b) => (b.value > a.value ? b : a));
  const summary = `${caption}: ${String(bars.length)} bar${bars.length === 1 ? "" : "s"}, ${bars[0]?.label ?? ""} to ${bars[bars.length - 1]?.label ?? ""}; highest ${format(highest.value)} in ${highest.label}.`;
  return (
    <figure className="chart" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>{caption}</figcaption>
      <svg viewBox={`0 0 ${String(W)} ${String(H)}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        {bars.map((b, i) => {
          const x = PAD.left + slot * i + (slot - barW) / 2;
          const y0 = y(Math.max(0, b.value));
          const h = Math.max(1, Math.abs(y(b.value) - y(0)));
          return (
            <g key={b.label} className={b.value < 0 ? "chart-bar chart-negative" : "chart-bar"}>
              <rect x={x} y={y0} width={barW} height={h} data-label={b.label} data-value={b.value}>
                <title>{`${b.label}: ${format(b.value)}`}</title>
              </rect>
              <text x={x + barW / 2} y={Math.max(12, y0 - 5)} textAnchor="middle" className="chart-value" aria-hidden="true">{format(b.value)}</text>
              <text x={x + barW / 2} y={H - 8} textAnchor="middle" className="chart-label" aria-hidden="true">{b.label}</text>
            </g>
          );
        })}
      </svg>
      <details className="chart-data">
        <summary>Show the numbers as a table</summary>
        <table>
          <caption>{caption}</caption>
          <thead><tr><th scope="col">{labelHeading}</th><th scope="col">{valueHeading}</th></tr></thead>
          <tbody>
            {bars.map((b) => <tr key={b.label}><th scope="row">{b.label}</th><td>{format(b.value)}</td></tr>)}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
