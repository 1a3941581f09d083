// Which AI tool wrote an edit VS Code made: guessed from the AI extensions that are active.
import * as vscode from 'vscode';
import { extraAiExtensions } from './settings';

/** Extension id (lower case) -> the tool name countersign records. */
const KNOWN: Readonly<Record<string, string>> = {
  'github.copilot': 'copilot',
  'github.copilot-chat': 'copilot',
  'codeium.codeium': 'codeium',
  'tabnine.tabnine-vscode': 'tabnine',
  'supermaven.supermaven': 'supermaven',
  'continue.continue': 'continue',
  'sourcegraph.cody-ai': 'cody',
  'amazonwebservices.amazon-q-vscode': 'amazon-q',
  'google.geminicodeassist': 'gemini-code-assist',
  'anthropic.claude-code': 'claude-code',
  'saoudrizwan.claude-dev': 'cline',
  'rooveterinaryinc.roo-cline': 'roo-code',
};

/** Tool names when no known AI extension is active. */
export const FALLBACK = { inline: 'inline-completion', chat: 'vscode-chat' } as const;

/** The tool of the first active AI extension (the user's own list first), or the fallback. */
export function guessTool(kind: keyof typeof FALLBACK): string {
  const extra = extraAiExtensions();
  const candidates = [...Object.entries(extra), ...Object.entries(KNOWN).filter(([id]) => !(id in extra))];
  const active = new Set(
    vscode.extensions.all.filter((extension) => extension.isActive).map((extension) => extension.id.toLowerCase()),
  );
  for (const [id, tool] of candidates) {
    if (active.has(id)) {
      return tool;
    }
  }
  return FALLBACK[kind];
}
