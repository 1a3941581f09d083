// The status bar item: AI lines and tier of the active file; a click shows the report.
import * as vscode from 'vscode';
import type { Client } from './client';

/** The answer of `countersign/summary`. */
export interface Summary {
  uri: string;
  aiLines: number;
  totalLines: number;
  acknowledged: number;
  highRisk: number;
  tier: string;
  review: string;
  tools: string[];
  rules: string[];
  title: string;
}

export function summaryOf(client: Client, uri: vscode.Uri): Promise<Summary> {
  return client.request<Summary>('countersign/summary', { textDocument: { uri: uri.toString() } });
}

/** `AI 3 critical`: what the status bar shows for a summary. */
export function statusText(summary: Summary): string {
  const tier = summary.aiLines > 0 && summary.tier !== 'none' ? ` ${summary.tier}` : '';
  return `$(shield) AI ${summary.aiLines}${tier}`;
}

const BACKGROUND: Readonly<Record<string, string>> = {
  critical: 'statusBarItem.errorBackground',
  high: 'statusBarItem.warningBackground',
};

export class Status implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('countersign.status', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: { dispose(): unknown }[] = [this.item];
  private timer: NodeJS.Timeout | undefined;
  /** Answers to older requests are dropped. */
  private generation = 0;

  constructor(private readonly client: Client) {
    this.item.name = 'countersign';
    this.item.command = 'countersign.showReport';
    const isActive = (uri: vscode.Uri | string): boolean =>
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString();
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.refresh(0);
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (isActive(event.document.uri)) {
          this.refresh();
        }
      }),
      vscode.languages.onDidChangeDiagnostics((event) => {
        if (event.uris.some(isActive)) {
          this.refresh();
        }
      }),
      client.onDidChangeProvenance((uri) => {
        if (isActive(uri)) {
          this.refresh();
        }
      }),
      client.onDidStart(() => {
        this.refresh(0);
      }),
    );
  }

  /** Ask the server again after `delayMs` (calls in between are folded into one). */
  refresh(delayMs = 300): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delayMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private async update(): Promise<void> {
    const generation = ++this.generation;
    const document = vscode.window.activeTextEditor?.document;
    if (document?.uri.scheme !== 'file' || !this.client.running) {
      this.item.hide();
      return;
    }
    let summary: Summary;
    try {
      summary = await summaryOf(this.client, document.uri);
    } catch {
      if (generation === this.generation) {
        this.item.hide(); // not a file the server tracks (outside a workspace, too large)
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    this.item.text = statusText(summary);
    const tools = summary.tools.length > 0 ? `\n\nWritten by ${summary.tools.join(', ')}.` : '';
    const rules = summary.rules.length > 0 ? ` Rules: ${summary.rules.join(', ')}.` : '';
    this.item.tooltip = new vscode.MarkdownString(`**countersign**: ${summary.title}${tools}${rules}\n\nClick for the report.`);
    const background = BACKGROUND[summary.tier];
    this.item.backgroundColor = background && summary.aiLines > 0 ? new vscode.ThemeColor(background) : undefined;
    this.item.show();
  }
}
