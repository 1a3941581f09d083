// The report: the active file's summary and AI lines, and the commit preview, rendered in a
// webview beside the editor (one panel, reused). The page itself is built in reportHtml.ts.
import * as vscode from 'vscode';
import type { Client } from './client';
import type { Marks } from './marks';
import { type CommitPreview, type ReportData, reportHtml } from './reportHtml';
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
    const data: ReportData = {
      preview: await this.preview(target),
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
      return await this.client.request<CommitPreview>(
        'countersign/commitPreview',
        uri?.scheme === 'file' ? { textDocument: { uri: uri.toString() } } : {},
      );
    } catch (error) {
      return message(error);
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
