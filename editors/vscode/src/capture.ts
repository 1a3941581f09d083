// AI-edit capture. VS Code's stable API says nothing about why text changed, so:
// - accepting an inline suggestion is taken over (the built-in accept commands and Tab run
//   through here): the document is snapshotted, the original command runs, and the text it
//   inserted is reported as `countersign/aiEdit` (kind `inline`);
// - chat and agent edits: while a chat editing session is open (documents on the
//   chat-editing URI schemes exist), edits to files that are not being typed in are reported
//   with kind `chat`;
// - pastes are human: paste is taken over too, and the change it makes is marked human, so
//   the server's large-insertion heuristic cannot call it AI.
import * as vscode from 'vscode';
import { type Client, lspRange } from './client';
import { type Interval, Insertions, insertedBy } from './insertions';
import { guessTool } from './tools';

export const INLINE_ACCEPT_COMMANDS = [
  'editor.action.inlineSuggest.commit',
  'editor.action.inlineSuggest.acceptNextWord',
  'editor.action.inlineSuggest.acceptNextLine',
];
export const PASTE_COMMAND = 'editor.action.clipboardPasteAction';
/** URI schemes of the documents VS Code's chat editing keeps while a session is open. */
export const CHAT_SCHEMES = ['chat-editing-snapshot-text-model', 'chat-editing-text-model'];
/** A chat session counts as open this long after its documents were last seen. */
const CHAT_GRACE_MS = 30_000;
/** A paste's change must arrive this soon after the paste command started. */
const PASTE_WINDOW_MS = 2_000;

type Kind = 'inline' | 'chat';

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
  private lastChatSeen = 0;
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
      vscode.workspace.onDidOpenTextDocument((document) => {
        this.noteChat(document);
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        this.onChange(event);
      }),
    );
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

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const { document, contentChanges } = event;
    if (this.noteChat(document) || document.uri.scheme !== 'file' || contentChanges.length === 0) {
      return;
    }
    if (event.reason !== undefined || this.recording.has(document) || !this.chatSessionOpen()) {
      return; // undo/redo, or an accept or paste that reports itself
    }
    if (!document.isDirty || this.typedByUser(document, contentChanges)) {
      return; // reloaded from disk (git, an agent on disk: the server sees those), or typing
    }
    this.reportAi(document, toRanges(document, insertedBy(contentChanges)), 'chat');
  }

  /** Remember a chat editing document; true when `document` is one. */
  private noteChat(document: vscode.TextDocument): boolean {
    if (!CHAT_SCHEMES.includes(document.uri.scheme)) {
      return false;
    }
    this.lastChatSeen = Date.now();
    return true;
  }

  private chatSessionOpen(): boolean {
    if (vscode.workspace.textDocuments.some((document) => this.noteChat(document))) {
      return true;
    }
    return Date.now() - this.lastChatSeen < CHAT_GRACE_MS;
  }

  /** The change is at a cursor of the focused editor showing the document. */
  private typedByUser(document: vscode.TextDocument, changes: readonly vscode.TextDocumentContentChangeEvent[]): boolean {
    const editor = vscode.window.activeTextEditor;
    if (!vscode.window.state.focused || editor?.document !== document) {
      return false;
    }
    return changes.every((change) => {
      const last = change.range.start.line + change.text.split('\n').length - 1;
      return editor.selections.some(
        (selection) => selection.active.line >= change.range.start.line && selection.active.line <= Math.max(last, change.range.end.line),
      );
    });
  }

  private reportAi(document: vscode.TextDocument, ranges: vscode.Range[], kind: Kind): void {
    if (ranges.length === 0) {
      return;
    }
    this.client.notify('countersign/aiEdit', {
      textDocument: { uri: document.uri.toString(), version: document.version },
      ranges: ranges.map(lspRange),
      tool: guessTool(kind),
      kind,
    });
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

function toRanges(document: vscode.TextDocument, intervals: readonly Interval[]): vscode.Range[] {
  return intervals.map(([start, end]) => new vscode.Range(document.positionAt(start), document.positionAt(end)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
