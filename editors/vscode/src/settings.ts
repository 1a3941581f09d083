// The `countersign.*` settings: which ones the language server reads, which ones only the
// extension does. package.json declares them all (the schema, with defaults).
import * as vscode from 'vscode';

export const SECTION = 'countersign';

/** Settings read by the extension itself; every other `countersign.*` setting is the server's. */
export const CLIENT_ONLY = ['server.path', 'interpreter', 'capture.aiExtensions', 'trace.server', 'marks.enabled'];

/** Changing one of these means starting a different server: restart. */
export const RESTART_ON = ['server.path', 'interpreter', 'trace.server'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The setting keys (without `countersign.`) declared in this extension's package.json. */
export function declaredKeys(packageJson: unknown): string[] {
  const properties = (packageJson as {
    contributes?: { configuration?: { properties?: Record<string, unknown> } };
  }).contributes?.configuration?.properties ?? {};
  return Object.keys(properties)
    .filter((key) => key.startsWith(`${SECTION}.`))
    .map((key) => key.slice(SECTION.length + 1));
}

/**
 * The server's settings as it wants them (`initializationOptions`, `workspace/configuration`):
 * camelCase keys nested by dots, like `{debounceMs: 0, heuristic: {minLines: 8}}`.
 *
 * Client-only keys are left out: the server reports keys it does not know as invalid.
 */
export function serverSettings(keys: readonly string[], scope?: vscode.Uri): Record<string, Json> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const out: Record<string, Json> = {};
  for (const key of keys) {
    if (CLIENT_ONLY.includes(key)) {
      continue;
    }
    const parts = key.split('.');
    const last = parts.pop();
    if (last === undefined) {
      continue;
    }
    let node = out;
    for (const part of parts) {
      const child = node[part];
      node = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : (node[part] = {});
    }
    node[last] = config.get<Json>(key) ?? null;
  }
  return out;
}

/** Extension id -> tool name, added by the user to the built-in list of AI extensions. */
export function extraAiExtensions(): Record<string, string> {
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>('capture.aiExtensions');
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null) {
    for (const [id, tool] of Object.entries(value)) {
      if (typeof tool === 'string' && tool) {
        out[id.toLowerCase()] = tool;
      }
    }
  }
  return out;
}

/** Whether a configuration change touched one of `keys` (relative to `countersign.`). */
export function affects(event: vscode.ConfigurationChangeEvent, keys: readonly string[]): boolean {
  return keys.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}
