/** Terraform `import` blocks of a tenant's root workspace: existing resources its module takes over (landlord adopt). */

export interface ImportBlock {
  /** Address in the tenant's root workspace, e.g. module.instance.azurerm_key_vault.this. */
  readonly to: string;
  readonly id: string;
}

/** HCL string literal: JSON's escapes plus Terraform's template sequences. */
function hclString(s: string): string {
  return JSON.stringify(s).replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
}

/** imports.tf of the tenant's root workspace; empty text when nothing is imported. */
export function importsTf(imports: readonly ImportBlock[]): string {
  if (imports.length === 0) return "";
  const blocks = imports.map((i) => `import {\n  to = ${i.to}\n  id = ${hclString(i.id)}\n}\n`);
  return `# Existing resources this tenant's module takes over (landlord adopt).\n${blocks.join("\n")}`;
}
