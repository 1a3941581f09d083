// AI-edit capture for edits made through VS Code commands. VS Code's stable API says nothing
// about why text changed, so:
// - accepting an inline suggestion is taken over (the built-in accept commands and Tab run
//   through here): the document is snapshotted, the original command runs, and the text it
//   inserted is reported as `countersign/aiEdit` (kind `inline`);
// - pastes are human: paste is taken over too, and the change it makes is marked human, so
//   the server's large-insertion heuristic cannot call it AI.
// Chat and agent edits are found in chat.ts.
import * as vscode from 'vscode';
import { type Client, lspRange } from './client';
import { type Interval, Insertions } from './insertions';
import { guessTool } from './tools';

export const INLINE_ACCEPT_COMMANDS = [
  'editor.action.inlineSuggest.commit',
  'editor.action.inlineSuggest.acceptNextWord',
  'editor.action.inlineSuggest.acceptNextLine',
];
export const PASTE_COMMAND = 'editor.action.clipboardPasteAction';
/** A paste's change must arrive this soon after the paste command started. */
const PASTE_WINDOW_MS = 2_000;

export type Kind = 'inline' | 'chat';

/**
 * Replaces a built-in command with `handler`, which gets a function running the original.
 *
 * The original runs with this registration removed for that moment (commands registered
 * later win in VS Code, and removing ours makes the built-in one visible again).
 */
class Takeover implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  private disposed = false;

  constructor(
    private readonly id: string,
    private readonly handler: (original: () => Thenable<unknown>, args: unknown[]) => Promise<unknown>,
  ) {
    this.register();
  }

  run(args: unknown[]): Promise<unknown> {
    return this.handler(() => this.original(args), args);
  }

  dispose(): void {
    this.disposed = true;
    this.registration?.dispose();
  }

  private register(): void {
    this.registration = vscode.commands.registerCommand(this.id, (...args: unknown[]) => this.run(args));
  }

  private async original(args: unknown[]): Promise<unknown> {
    this.registration?.dispose();
    this.registration = undefined;
    try {
      return await vscode.commands.executeCommand(this.id, ...args);
    } finally {
      if (!this.disposed) {
        this.register();
      }
    }
  }
}

/** Reports captured edits to the server. */
export class Capture implements vscode.Disposable {
  private readonly disposables: { dispose(): unknown }[] = [];
  /** Documents whose changes an accept or paste is recording right now. */
  private readonly recording = new Set<vscode.TextDocument>();
  private readonly inline: Takeover;

  constructor(private readonly client: Client) {
    const takeovers = INLINE_ACCEPT_COMMANDS.map((id) => new Takeover(id, (original) => this.acceptInline(original)));
    const commit = takeovers[0];
    if (!commit) {
      throw new Error('no inline accept command');
    }
    this.inline = commit;
    this.disposables.push(
      ...takeovers,
      new Takeover(PASTE_COMMAND, (original) => this.paste(original)),
      vscode.commands.registerCommand('countersign.acceptInlineSuggestion', (...args: unknown[]) => this.inline.run(args)),
    );
  }

  /** Whether an accept or paste is recording the changes of `document` right now. */
  isRecording(document: vscode.TextDocument): boolean {
    return this.recording.has(document);
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private async acceptInline(original: () => Thenable<unknown>): Promise<unknown> {
    const document = vscode.window.activeTextEditor?.document;
    if (document?.uri.scheme !== 'file') {
      return original();
    }
    const { result, ranges } = await this.record(document, original);
    this.reportAi(document, ranges, 'inline');
    return result;
  }

  private async paste(original: () => Thenable<unknown>): Promise<unknown> {
    const document = vscode.window.activeTextEditor?.document;
    if (document?.uri.scheme !== 'file') {
      return original();
    }
    // Pastes may apply their edit after the command returns (paste edit providers).
    const { result, ranges } = await this.record(document, original, PASTE_WINDOW_MS);
    this.markHuman(document, ranges);
    return result;
  }

  /**
   * Run `action` and return what it inserted into `document`. With `waitMs`, keep recording
   * until the first change arrives or that time has passed.
   */
  private async record(
    document: vscode.TextDocument,
    action: () => Thenable<unknown>,
    waitMs = 0,
  ): Promise<{ result: unknown; ranges: vscode.Range[] }> {
    const insertions = new Insertions(document.getText());
    let changed!: () => void;
    const firstChange = new Promise<void>((resolve) => (changed = resolve));
    const listener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === document && event.contentChanges.length > 0) {
        insertions.apply(event.contentChanges);
        changed();
      }
    });
    this.recording.add(document);
    try {
      const result = await action();
      // The change events of the command's edit can arrive just after its answer.
      await Promise.race([firstChange, delay(waitMs)]);
      await delay(0);
      return { result, ranges: toRanges(document, insertions.inserted) };
    } finally {
      listener.dispose();
      this.recording.delete(document);
    }
  }

  private reportAi(document: vscode.TextDocument, ranges: vscode.Range[], kind: Kind): void {
    reportAi(this.client, document, document.version, ranges, kind);
  }

  private markHuman(document: vscode.TextDocument, ranges: vscode.Range[]): void {
    if (!this.client.running) {
      return;
    }
    for (const range of ranges) {
      this.client.command('countersign.markHuman', [document.uri.toString(), lspRange(range)]).catch(() => {
        // The document is not tracked (outside a workspace, too large): nothing to correct.
      });
    }
  }
}

/** Tell the server the text in `ranges` of `document` version `version` came from AI. */
export function reportAi(client: Client, document: vscode.TextDocument, version: number, ranges: vscode.Range[], kind: Kind): void {
  if (ranges.length === 0) {
    return;
  }
  client.notify('countersign/aiEdit', {
    textDocument: { uri: document.uri.toString(), version },
    ranges: ranges.map(lspRange),
    tool: guessTool(kind),
    kind,
  });
}

export function toRanges(document: vscode.TextDocument, intervals: readonly Interval[]): vscode.Range[] {
  return intervals.map(([start, end]) => new vscode.Range(document.positionAt(start), document.positionAt(end)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
