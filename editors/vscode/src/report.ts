// The report: the active file's summary and AI lines, the commit preview, and the sign-off
// state of the branch's commits, rendered in a webview beside the editor (one panel,
// reused). The page itself is built in reportHtml.ts and signoffHtml.ts.
import * as vscode from 'vscode';
import type { Client } from './client';
import type { Marks } from './marks';
import { type CommitPreview, type ReportData, reportHtml } from './reportHtml';
import type { SignoffResult } from './signoffHtml';
import { type Summary, summaryOf } from './status';

const VIEW_TYPE = 'countersign.report';

export class Reports implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly client: Client,
    private readonly marks: Marks,
  ) {}

  dispose(): void {
    this.panel?.dispose();
  }

  /** Build the report for `uri` (default: the active file), show it, and return its HTML. */
  async show(uri?: vscode.Uri): Promise<string> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const panel = this.reveal();
    const [preview, signoff] = await Promise.all([this.preview(target), this.signoff(target)]);
    const data: ReportData = {
      preview,
      signoff,
      refresh: `command:countersign.showReport?${encodeURIComponent(JSON.stringify(target ? [target.toString()] : []))}`,
      cspSource: panel.webview.cspSource,
    };
    if (target?.scheme === 'file') {
      data.file = {
        path: vscode.workspace.asRelativePath(target),
        summary: await this.summary(target),
        runs: this.marks.runsOf(target.toString()),
      };
    }
    const html = reportHtml(data);
    panel.webview.html = html;
    return html;
  }

  private reveal(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      'countersign report',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false, enableCommandUris: ['countersign.showReport'], localResourceRoots: [] },
    );
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
      }
    });
    this.panel = panel;
    return panel;
  }

  private async summary(uri: vscode.Uri): Promise<Summary | string> {
    try {
      return await summaryOf(this.client, uri);
    } catch (error) {
      return message(error);
    }
  }

  private async preview(uri?: vscode.Uri): Promise<CommitPreview | string> {
    try {
      return await this.client.request<CommitPreview>('countersign/commitPreview', documentOf(uri));
    } catch (error) {
      return message(error);
    }
  }

  /** The gate's verdicts on the branch's commits: asked only here, when the report is built. */
  private async signoff(uri?: vscode.Uri): Promise<SignoffResult | string> {
    try {
      return await this.client.request<SignoffResult>('countersign/signoff', documentOf(uri));
    } catch (error) {
      return message(error);
    }
  }
}

/** The params naming the repository of `uri` (none: the server takes the first folder). */
function documentOf(uri?: vscode.Uri): { textDocument?: { uri: string } } {
  return uri?.scheme === 'file' ? { textDocument: { uri: uri.toString() } } : {};
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
