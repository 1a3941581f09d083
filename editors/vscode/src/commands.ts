// The palette commands. The server's own commands (`countersign.markAi`, ...) take a URI and
// a range; these take them from the active editor.
import * as vscode from 'vscode';
import { type Client, type LspRange, lspRange } from './client';
import { toggleMarks } from './marks';
import type { Reports } from './report';
import { guessTool } from './tools';

/** Origin details for `countersign.markSelectionAi` (asked for when not given). */
interface AiDetails {
  tool?: string;
  model?: string;
  kind?: 'inline' | 'chat' | 'agent';
}

export function registerCommands(client: Client, reports: Reports): vscode.Disposable {
  const commands: Record<string, (...args: never[]) => unknown> = {
    'countersign.markSelectionAi': (details?: AiDetails) => markAi(client, details),
    'countersign.markSelectionHuman': () => onSelection(client, 'countersign.markHuman', [], 'marked human'),
    'countersign.acknowledgeSelection': () => onSelection(client, 'countersign.acknowledge', [], 'acknowledged'),
    'countersign.explainRule': (ruleId?: string) => explain(client, ruleId),
    'countersign.showReport': (uri?: vscode.Uri | string) =>
      reports.show(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri),
    'countersign.restart': () => client.restart(),
    'countersign.toggleMarks': () => toggleMarks(),
  };
  return vscode.Disposable.from(
    ...Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, run)),
  );
}

async function markAi(client: Client, details?: AiDetails): Promise<number | undefined> {
  const tool =
    details?.tool ??
    (await vscode.window.showInputBox({
      title: 'countersign: mark selection as AI-written',
      prompt: 'Which AI tool wrote it (copilot, claude-code, cursor, ...)?',
      value: guessTool('chat'),
    }));
  if (!tool) {
    return undefined;
  }
  const origin = { tool, kind: details?.kind ?? 'chat', ...(details?.model ? { model: details.model } : {}) };
  return onSelection(client, 'countersign.markAi', [origin], `marked AI-written (${tool})`);
}

/** Run a server command on each selection of the active editor (the cursor's line when empty). */
async function onSelection(client: Client, command: string, extra: unknown[], done: string): Promise<number | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('countersign: open a file and select the lines first.');
    return undefined;
  }
  const uri = editor.document.uri.toString();
  let lines = 0;
  try {
    for (const range of selectedRanges(editor)) {
      lines += await client.command<number>(command, [uri, range, ...extra]);
    }
  } catch (error) {
    void vscode.window.showErrorMessage(`countersign: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`countersign: ${done}: ${lines} line(s).`);
  return lines;
}

function selectedRanges(editor: vscode.TextEditor): LspRange[] {
  return editor.selections.map((selection) =>
    lspRange(selection.isEmpty ? editor.document.lineAt(selection.active.line).range : selection),
  );
}

/** Explain a rule: the one given, else the countersign diagnostic at the cursor, else ask. */
async function explain(client: Client, ruleId?: string): Promise<string | undefined> {
  const rule = ruleId ?? (await ruleAtCursor());
  if (!rule) {
    return undefined;
  }
  try {
    // The server shows the explanation itself (window/showMessage).
    return await client.command<string>('countersign.explain', [rule]);
  } catch (error) {
    void vscode.window.showErrorMessage(`countersign: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

async function ruleAtCursor(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const line = editor?.selection.active.line;
  const ids = editor
    ? vscode.languages
        .getDiagnostics(editor.document.uri)
        .filter((d) => d.source === 'countersign' && d.range.start.line <= (line ?? 0) && d.range.end.line >= (line ?? 0))
        .map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '')))
        .filter((id) => id !== '')
    : [];
  const unique = [...new Set(ids)];
  if (unique.length === 1) {
    return unique[0];
  }
  if (unique.length > 1) {
    return vscode.window.showQuickPick(unique, { title: 'countersign: explain which rule?' });
  }
  return vscode.window.showInputBox({ title: 'countersign: explain a rule', prompt: 'Rule id, like DAT002' });
}
