/** Amounts in minor units shown in their currency, with the currency's own number of decimals. */
const formats = new Map<string, Intl.NumberFormat>();

function formatOf(currency: string): Intl.NumberFormat {
  let f = formats.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat("en", { style: "currency", currency });
    } catch {
      // An unknown code still shows, with two decimals, rather than breaking the page.
      f = new Intl.NumberFormat("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formats.set(currency, f);
  }
  return f;
}

export function money(minor: number, currency: string): string {
  const f = formatOf(currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const text = f.format(minor / 10 ** digits);
  return f.resolvedOptions().style === "currency" ? text : `${text} ${currency}`;
}
