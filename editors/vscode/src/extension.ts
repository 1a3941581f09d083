// countersign for VS Code: wiring only. The server is found in server.ts, run in client.ts;
// AI edits are captured in capture.ts (inline suggestions, pastes) and chat.ts (chat and
// agent edits); status.ts, report.ts and commands.ts show the results.
import * as vscode from 'vscode';
import { Capture } from './capture';
import { ChatEdits } from './chat';
import { Client } from './client';
import { registerCommands } from './commands';
import { Reports } from './report';
import { affects, declaredKeys, RESTART_ON, SECTION } from './settings';
import { Status } from './status';

let client: Client | undefined;

/** What the extension offers other extensions (and its end-to-end test). */
export interface CountersignApi {
  /** How the language server was started (`source`: which setting, the Python extension, PATH). */
  serverCommand(): { command: string; args: string[]; source: string } | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<CountersignApi> {
  const output = vscode.window.createOutputChannel('countersign', { log: true });
  client = new Client(output, declaredKeys(context.extension.packageJSON));
  const current = client;
  const capture = new Capture(current);
  context.subscriptions.push(
    output,
    current,
    new Status(current),
    capture,
    new ChatEdits(current, capture),
    registerCommands(current, new Reports(current)),
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
  return {
    serverCommand: () => (current.server ? { ...current.server, args: [...current.server.args] } : undefined),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
