/** landlord.yaml variants: the init template with one path changed. */
import { parseDocument } from "yaml";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";

export function platformWith(path: (string | number)[], value: unknown): string {
  const doc = parseDocument(PLATFORM_TEMPLATE);
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, value);
  return doc.toString();
}
