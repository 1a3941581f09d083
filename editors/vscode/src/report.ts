// The report: the active file's summary and the commit preview, as a read-only Markdown
// document (`countersign-report:` URIs).
import * as vscode from 'vscode';
import type { Client } from './client';
import { type Summary, summaryOf } from './status';

export const SCHEME = 'countersign-report';
const URI = vscode.Uri.from({ scheme: SCHEME, path: '/countersign report.md' });

/** The answer of `countersign/commitPreview`. */
interface CommitPreview {
  trailers: { key: string; value: string }[];
  tier: string;
  review: string;
  addedLines: number;
  aiLines: number;
}

export class Reports implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private text = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);

  constructor(private readonly client: Client) {}

  provideTextDocumentContent(): string {
    return this.text;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }

  /** Build the report for `uri` (default: the active file), show it, and return its text. */
  async show(uri?: vscode.Uri): Promise<string> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const parts = ['# countersign report', ''];
    if (target?.scheme === 'file') {
      parts.push(...(await this.fileSection(target)));
    }
    parts.push(...(await this.commitSection(target)));
    this.text = parts.join('\n');
    this.changed.fire(URI);
    const document = await vscode.workspace.openTextDocument(URI);
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return this.text;
  }

  private async fileSection(uri: vscode.Uri): Promise<string[]> {
    const title = `## ${vscode.workspace.asRelativePath(uri)}`;
    let summary: Summary;
    try {
      summary = await summaryOf(this.client, uri);
    } catch (error) {
      return [title, '', `No summary: ${message(error)}`, ''];
    }
    return [
      title,
      '',
      summary.title,
      '',
      '| | |',
      '| --- | --- |',
      `| AI lines | ${summary.aiLines} of ${summary.totalLines} |`,
      `| acknowledged | ${summary.acknowledged} |`,
      `| high-risk findings | ${summary.highRisk} |`,
      `| tier | ${summary.tier} |`,
      `| review needed | ${summary.review} |`,
      `| written by | ${summary.tools.join(', ') || 'nobody (no AI lines)'} |`,
      `| rules | ${summary.rules.join(', ') || 'none'} |`,
      '',
    ];
  }

  private async commitSection(uri?: vscode.Uri): Promise<string[]> {
    const title = '## Commit preview (what the commit hook stamps for the staged changes)';
    let preview: CommitPreview;
    try {
      preview = await this.client.request<CommitPreview>(
        'countersign/commitPreview',
        uri?.scheme === 'file' ? { textDocument: { uri: uri.toString() } } : {},
      );
    } catch (error) {
      return [title, '', `No preview: ${message(error)}`, ''];
    }
    return [
      title,
      '',
      `Tier **${preview.tier}**, review **${preview.review}**; ${preview.aiLines} of ${preview.addedLines} added lines are AI-written.`,
      '',
      '```',
      ...preview.trailers.map((t) => `${t.key}: ${t.value}`),
      '```',
      '',
    ];
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
