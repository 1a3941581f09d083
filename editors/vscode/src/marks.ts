// Gutter and overview-ruler marks on the lines an AI wrote, from `countersign/provenance`.
//
// The server sends the AI spans of a document when they change (debounced). A payload for
// the document version VS Code has now is drawn at once; VS Code moves the marks with the
// text while the next one is on its way, so typing never blanks them (no flicker). A payload
// for an older version (the user typed on) is not drawn: the marks are asked for again once
// typing pauses. Payloads for documents that are not open are ignored.
import * as vscode from 'vscode';
import type { Client } from './client';
import { aiLines, type LineRun, parseProvenance, type Style, STYLES, styleOf, triage } from './provenance';
import { SECTION } from './settings';

export const MARKS_SETTING = 'marks.enabled';
/** Ask again this long after the last change when a payload was out of date. */
const REFRESH_MS = 250;
/** Give up asking after this many out-of-date answers in a row (the server lags behind). */
const MAX_RETRIES = 5;
/** Timings kept for `decorationTimings()`. */
const KEPT_TIMINGS = 200;

/** How long drawing one payload took on the extension's side. */
export interface Timing {
  uri: string;
  version: number;
  spans: number;
  /** AI lines marked. */
  lines: number;
  /** Decorations set (runs of consecutive lines with one origin). */
  runs: number;
  /** From the payload to the last `setDecorations` call, in milliseconds. */
  ms: number;
}

interface DocumentMarks {
  version: number;
  runs: LineRun[];
}

const ICON = (style: Style): string => `media/${style}.svg`;
const RULER_COLOUR = (style: Style): string =>
  style.endsWith('-acknowledged') ? 'countersign.aiAcknowledged' : `countersign.ai${style[0]?.toUpperCase()}${style.slice(1)}`;

export class Marks implements vscode.Disposable {
  private readonly types: ReadonlyMap<Style, vscode.TextEditorDecorationType>;
  /** The last payload drawn per document, as line runs. */
  private readonly documents = new Map<string, DocumentMarks>();
  /** What each editor shows (undefined: nothing); editors keep their marks across edits. */
  private readonly drawn = new WeakMap<vscode.TextEditor, DocumentMarks | undefined>();
  private readonly asks = new Map<string, { timer: NodeJS.Timeout; retries: number }>();
  /** Documents the server does not track (outside the workspace, too large): not asked again. */
  private readonly untracked = new Set<string>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private enabled = marksEnabled();
  readonly timings: Timing[] = [];
  /** Payloads drawn, asked again for (out of date) and ignored (malformed, closed document). */
  readonly counts = { draw: 0, ask: 0, ignore: 0 };

  constructor(
    private readonly client: Client,
    extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.types = new Map(STYLES.map((style) => [style, decorationType(style, extensionUri)]));
    this.disposables.push(
      ...this.types.values(),
      client.onDidReceiveProvenance((params) => {
        this.receive(params);
      }),
      client.onDidStart(() => {
        this.documents.clear();
        this.untracked.clear();
        this.drawEditors(vscode.window.visibleTextEditors);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        this.drawEditors(editors);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.forget(document.uri.toString());
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        this.postpone(event.document.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${SECTION}.${MARKS_SETTING}`)) {
          this.setEnabled(marksEnabled());
        }
      }),
    );
  }

  dispose(): void {
    for (const { timer } of this.asks.values()) {
      clearTimeout(timer);
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  /**
   * The marks shown for `uri`: the document version they describe and, per style, the
   * `[first, last]` line runs (0-based, inclusive); no runs while marks are off.
   */
  marksOf(uri: string): { version: number | undefined; marks: Partial<Record<Style, [number, number][]>> } {
    const current = this.documents.get(uri);
    const marks: Partial<Record<Style, [number, number][]>> = {};
    for (const run of this.enabled ? (current?.runs ?? []) : []) {
      (marks[styleOf(run.origin)] ??= []).push([run.first, run.last]);
    }
    return { version: current?.version, marks };
  }

  /** The AI line runs of the last payload drawn for `uri`, whether or not marks are shown. */
  runsOf(uri: string): readonly LineRun[] {
    return this.documents.get(uri)?.runs ?? [];
  }

  /** Handle a `countersign/provenance` notification or answer. */
  receive(params: unknown): void {
    const started = performance.now();
    const payload = parseProvenance(params);
    const document = payload && openDocument(payload.uri);
    const action = triage(payload, document?.version);
    this.counts[action]++;
    if (!payload || !document || action === 'ignore') {
      return; // malformed, or the document was closed since the server sent it
    }
    if (action === 'ask') {
      this.scheduleAsk(payload.uri, REFRESH_MS, true);
      return;
    }
    this.cancelAsk(payload.uri);
    const marks = { version: payload.version, runs: aiLines(payload.spans, (line) => document.lineAt(line).text, document.lineCount) };
    this.documents.set(payload.uri, marks);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document === document) {
        this.draw(editor, marks);
      }
    }
    this.record({
      uri: payload.uri,
      version: payload.version,
      spans: payload.spans.length,
      lines: marks.runs.reduce((n, run) => n + run.last - run.first + 1, 0),
      runs: marks.runs.length,
      ms: performance.now() - started,
    });
  }

  /** Show or hide the marks in every editor. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    for (const editor of vscode.window.visibleTextEditors) {
      this.drawn.delete(editor);
    }
    this.drawEditors(vscode.window.visibleTextEditors);
  }

  /** Draw the editors that do not show the current marks of their document yet. */
  private drawEditors(editors: readonly vscode.TextEditor[]): void {
    for (const editor of editors) {
      const { document } = editor;
      const marks = this.documents.get(document.uri.toString());
      if (marks?.version === document.version || !this.enabled) {
        if (!this.drawn.has(editor) || this.drawn.get(editor) !== marks) {
          this.draw(editor, marks);
        }
      } else if (document.uri.scheme === 'file' && !this.untracked.has(document.uri.toString())) {
        this.scheduleAsk(document.uri.toString(), 0, false); // nothing, or out of date
      }
    }
  }

  private draw(editor: vscode.TextEditor, marks: DocumentMarks | undefined): void {
    const shown = this.enabled ? marks : undefined;
    const byStyle = new Map<Style, vscode.Range[]>(STYLES.map((style) => [style, []]));
    const { document } = editor;
    for (const run of shown?.runs ?? []) {
      const last = Math.min(run.last, document.lineCount - 1);
      byStyle.get(styleOf(run.origin))?.push(new vscode.Range(run.first, 0, last, document.lineAt(last).text.length));
    }
    for (const [style, ranges] of byStyle) {
      const type = this.types.get(style);
      if (type) {
        editor.setDecorations(type, ranges);
      }
    }
    this.drawn.set(editor, marks);
  }

  private forget(uri: string): void {
    this.documents.delete(uri);
    this.untracked.delete(uri);
    this.cancelAsk(uri);
  }

  /** `uri` changed: an ask on its way waits until typing pauses. */
  private postpone(uri: string): void {
    if (this.asks.has(uri)) {
      this.scheduleAsk(uri, REFRESH_MS, false);
    }
  }

  /** Ask for the marks of `uri` in `delayMs`; `retry`: the last answer was out of date. */
  private scheduleAsk(uri: string, delayMs: number, retry: boolean): void {
    const pending = this.asks.get(uri);
    clearTimeout(pending?.timer);
    const retries = (pending?.retries ?? 0) + (retry ? 1 : 0);
    if (retries > MAX_RETRIES) {
      this.asks.delete(uri);
      this.output.debug(`countersign/provenance: ${uri} is still out of date after ${MAX_RETRIES} answers; waiting for the server`);
      return;
    }
    const timer = setTimeout(() => void this.ask(uri), delayMs);
    this.asks.set(uri, { timer, retries });
  }

  private cancelAsk(uri: string): void {
    clearTimeout(this.asks.get(uri)?.timer);
    this.asks.delete(uri);
  }

  /** Ask the server for the AI spans of `uri` now (the `countersign/provenance` request). */
  private async ask(uri: string): Promise<void> {
    if (!this.client.running || !openDocument(uri)) {
      this.asks.delete(uri);
      return;
    }
    let answer: unknown;
    try {
      answer = await this.client.request('countersign/provenance', { textDocument: { uri } });
    } catch (error) {
      // Not a document the server tracks (outside the workspace, too large): no marks.
      this.asks.delete(uri);
      this.untracked.add(uri);
      this.output.trace(`countersign/provenance for ${uri}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.receive(answer);
  }

  private record(timing: Timing): void {
    this.timings.push(timing);
    if (this.timings.length > KEPT_TIMINGS) {
      this.timings.splice(0, this.timings.length - KEPT_TIMINGS);
    }
  }
}

function openDocument(uri: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri);
}

export function marksEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>(MARKS_SETTING) ?? true;
}

/** Turn the marks setting over, where it is set (the workspace's, else the user's). */
export async function toggleMarks(): Promise<boolean> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const where = config.inspect<boolean>(MARKS_SETTING);
  const target =
    where?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : where?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  const enabled = !marksEnabled();
  await config.update(MARKS_SETTING, enabled, target);
  return enabled;
}

function decorationType(style: Style, extensionUri: vscode.Uri): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    gutterIconPath: vscode.Uri.joinPath(extensionUri, ICON(style)),
    gutterIconSize: 'contain',
    overviewRulerColor: new vscode.ThemeColor(RULER_COLOUR(style)),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
    isWholeLine: true,
    // Text typed at the edge of an AI block does not join it before the server says so.
    rangeBehavior: vscode.DecorationRangeBehavior.OpenOpen,
  });
}
