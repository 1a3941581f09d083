// Text from the server made safe to put in the report page. Plain strings only (no `vscode`
// import): unit-tested with node:test.

/** `text` with every character that could start markup or end an attribute escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Control, format and unassigned characters (line breaks, bidirectional overrides,
 * zero-width joiners): a name holding them could pass for another name. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** `text` as the page shows it: invisible characters as `\uXXXX`, then HTML-escaped. */
export function shown(text: string): string {
  return escapeHtml(text.replace(INVISIBLE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`));
}
