/**
 * Field schemas shared by landlord.yaml and Tenant documents. Messages use the
 * "<what is wrong> || <how to fix it>" convention that problems.ts splits, so each
 * rule carries its own fix next to the rule itself.
 */
import { z } from "zod";
import { DNS_LABEL, isLabelKey, LABEL_VALUE } from "./k8s-names.js";
import { isQuantity, parseMilli } from "./quantity.js";

export const FIX = " || ";
export const explain = (message: string, fix: string): string => `${message}${FIX}${fix}`;

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$/;
/** Tags become the app.kubernetes.io/version label, so they obey the label limit of 63. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$/;

export const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max, { error: explain(`must be at most ${max} characters`, `shorten it to ${max} characters or fewer`) })
    .regex(DNS_LABEL, {
      error: explain(
        "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        "use something like 'acme' or 'acme-eu'",
      ),
    });

export const labelValue = z
  .string()
  .max(63, { error: explain("label values are at most 63 characters", "shorten it") })
  .regex(LABEL_VALUE, {
    error: explain("must be a valid Kubernetes label value", "use letters, digits, '-', '_' and '.', starting and ending alphanumeric"),
  });

export const labelKey = z.string().refine(isLabelKey, {
  error: explain("must be a valid Kubernetes label key ([prefix/]name)", "use e.g. 'team' or 'example.com/team'"),
});

export const labels = z.record(labelKey, labelValue);

export const quantity = (what: string) =>
  z.string({ error: explain(`${what} must be a quantity string`, "quote it, e.g. '500m', '2' or '512Mi'") }).refine(isQuantity, {
    error: explain(`${what} is not a Kubernetes quantity`, "write e.g. '500m', '2', '512Mi' or '10Gi'"),
  });

/** A quantity that must be positive and below an absurdity bound (in milli-units). */
export const boundedQuantity = (what: string, maxMilli: bigint, maxText: string) =>
  quantity(what).refine(
    (q) => {
      const v = parseMilli(q);
      return v !== undefined && v > 0n && v <= maxMilli;
    },
    { error: explain(`${what} must be above zero and at most ${maxText}`, `choose a value between 1m and ${maxText}`) },
  );

const GiB = 1024n ** 3n;
export const cpuQuantity = (what: string) => boundedQuantity(what, 4096n * 1000n, "4096 cores");
export const memoryQuantity = (what: string) => boundedQuantity(what, 64n * 1024n * GiB * 1000n, "64Ti");
export const storageQuantity = (what: string) => boundedQuantity(what, 1024n * 1024n * GiB * 1000n, "1Pi");

export const count = (what: string, min: number, max: number) =>
  z
    .number({ error: explain(`${what} must be a whole number`, `write a number from ${min} to ${max}`) })
    .int({ error: explain(`${what} must be a whole number`, `write a number from ${min} to ${max}`) })
    .min(min, { error: explain(`${what} must be at least ${min}`, `write a number from ${min} to ${max}`) })
    .max(max, { error: explain(`${what} must be at most ${max}`, `write a number from ${min} to ${max}`) });

export const envName = z.string().regex(C_IDENTIFIER, {
  error: explain("environment variable names must be C identifiers", "use letters, digits and '_', not starting with a digit"),
});

export const imageRepository = z.string().regex(IMAGE_REPOSITORY, {
  error: explain("must be an image repository without tag", "write e.g. 'ghcr.io/example/app' and put the tag under version"),
});

export const imageTag = z.string().regex(IMAGE_TAG, {
  error: explain("must be an image tag", "write e.g. '1.4.2' (letters, digits, '.', '_', '-'; at most 63)"),
});

/** Ranges of CloudNativePG's six cron fields: second, minute, hour, day of month, month, weekday. */
const CRON_RANGES: [number, number][] = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];

function cronFieldOk(field: string, [min, max]: [number, number]): boolean {
  return field.split(",").every((part) => {
    const [range = "", step] = part.split("/");
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return false;
    if (range === "*" || range === "?") return true;
    const bounds = range.split("-");
    if (bounds.length > 2 || !bounds.every((b) => /^\d+$/.test(b))) return false;
    const [lo, hi = lo] = bounds.map(Number);
    return lo !== undefined && hi !== undefined && lo >= min && hi <= max && lo <= hi;
  });
}

export const cron6 = z.string().refine(
  (s) => {
    const fields = s.trim().split(/\s+/);
    return fields.length === 6 && fields.every((f, i) => cronFieldOk(f, CRON_RANGES[i] ?? [0, 0]));
  },
  {
    error: explain(
      "must be a six-field cron expression (seconds first, as CloudNativePG expects)",
      "write e.g. '0 0 2 * * *' for 02:00 every day",
    ),
  },
);

/** A DNS hostname a tenant can be served on: no wildcard, no trailing dot, at least two labels. */
export const hostname = z.string().superRefine((host, ctx) => {
  if (host.includes("*")) {
    ctx.addIssue({
      code: "custom",
      message: explain("wildcard domains are not allowed", "list each hostname the tenant is served on, e.g. 'app.acme.com'"),
    });
    return;
  }
  const labels = host.split(".");
  const ok =
    host.length <= 253 &&
    labels.length >= 2 &&
    labels.every((l) => l.length <= 63 && DNS_LABEL.test(l)) &&
    !/^\d+$/.test(labels.at(-1) ?? "");
  if (!ok) {
    ctx.addIssue({
      code: "custom",
      message: explain(
        `'${host}' is not a valid hostname`,
        "write a lowercase fully-qualified name without scheme, port, path or trailing dot, e.g. 'acme.example.com'",
      ),
    });
  }
});

export const secretRef = z.strictObject({
  name: dnsLabel(253),
  key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, {
    error: explain("secret keys use letters, digits, '-', '_' and '.'", "use the key's name in the tenant's Key Vault"),
  }),
});

/** Minor currency units (cents): money is never a float. */
export const money = (what: string) =>
  z
    .number()
    .int({ error: explain(`${what} is in minor units (cents) and must be a whole number`, "write 49900 for 499.00") })
    .min(0, { error: explain(`${what} cannot be negative`, "write 0 or more") })
    .max(1_000_000_000_00, { error: explain(`${what} is absurdly large`, "check the number of digits") });
