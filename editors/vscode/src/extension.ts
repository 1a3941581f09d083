// countersign for VS Code: wiring only. The server is found in server.ts, run in client.ts;
// AI edits are captured in capture.ts (inline suggestions, pastes) and chat.ts (chat and
// agent edits); marks.ts draws the AI lines in the gutter; status.ts, report.ts and
// commands.ts show the rest.
import * as vscode from 'vscode';
import { Capture } from './capture';
import { ChatEdits } from './chat';
import { Client } from './client';
import { registerCommands } from './commands';
import { Marks, type Timing } from './marks';
import type { Style } from './provenance';
import { Reports } from './report';
import { onDidChangePythonInterpreter } from './server';
import { affects, declaredKeys, RESTART_ON, SECTION } from './settings';
import { Status } from './status';

let client: Client | undefined;

/** What the extension offers other extensions (and its end-to-end test). */
export interface CountersignApi {
  /** How the language server was started (`source`: which setting, the Python extension, PATH). */
  serverCommand(): { command: string; args: string[]; source: string } | undefined;
  /** How many times a server was started and became ready. */
  serverStarts(): number;
  /** The AI-line marks shown for a document: the version they describe, `[first, last]` line runs per style. */
  marks(uri: string): { version: number | undefined; marks: Partial<Record<Style, [number, number][]>> };
  /** How long drawing the last provenance payloads took, newest last. */
  decorationTimings(): Timing[];
  /** Provenance payloads drawn, asked again for (out of date) and ignored (closed documents, malformed). */
  provenanceCounts(): { draw: number; ask: number; ignore: number };
}

export async function activate(context: vscode.ExtensionContext): Promise<CountersignApi> {
  const output = vscode.window.createOutputChannel('countersign', { log: true });
  client = new Client(output, declaredKeys(context.extension.packageJSON));
  const current = client;
  const capture = new Capture(current);
  const marks = new Marks(current, context.extensionUri, output);
  let starts = 0;
  context.subscriptions.push(
    output,
    current,
    marks,
    new Status(current),
    capture,
    new ChatEdits(current, capture),
    registerCommands(current, new Reports(current, marks)),
    current.onDidStart(() => {
      starts++;
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affects(event, RESTART_ON)) {
        void current.restart();
      } else if (event.affectsConfiguration(SECTION)) {
        current.sendSettings();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void current.restart()),
  );
  await current.restart();
  // A server not chosen by a setting may come from the Python extension's interpreter.
  context.subscriptions.push(
    await onDidChangePythonInterpreter(() => {
      if (!current.server?.source.startsWith('setting ')) {
        void current.restart();
      }
    }),
  );
  return {
    serverCommand: () => (current.server ? { ...current.server, args: [...current.server.args] } : undefined),
    serverStarts: () => starts,
    marks: (uri) => marks.marksOf(uri),
    decorationTimings: () => [...marks.timings],
    provenanceCounts: () => ({ ...marks.counts }),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
