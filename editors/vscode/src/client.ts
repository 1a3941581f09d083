// The language client: starts `countersign lsp` over stdio, restarts it, and carries the
// countersign requests and notifications.
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  State,
} from 'vscode-languageclient/node';
import { findServer, ServerCommand, ServerNotFound } from './server';
import { SECTION, serverSettings } from './settings';

/** An LSP range as plain JSON (what `countersign/aiEdit` and the server commands take). */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export function lspRange(range: vscode.Range): LspRange {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

/** The one countersign language client of the window, across restarts. */
export class Client implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** How the running (or last started) server was started. */
  server: ServerCommand | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly started = new vscode.EventEmitter<void>();
  private readonly provenance = new vscode.EventEmitter<string>();
  private readonly provenanceParams = new vscode.EventEmitter<unknown>();
  /** Fires when a (re)started server is ready. */
  readonly onDidStart = this.started.event;
  /** Fires with a document URI when the server says its AI spans changed. */
  readonly onDidChangeProvenance = this.provenance.event;
  /** Fires with the `countersign/provenance` notification's params, unchecked. */
  readonly onDidReceiveProvenance = this.provenanceParams.event;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly settingKeys: readonly string[],
  ) {}

  /** Whether a server is running and initialized. */
  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** Start (or restart) the server; calls run one after the other. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopNow();
      await this.startNow();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      this.output.error(`countersign: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
    return this.queue;
  }

  dispose(): void {
    void this.stop();
    this.started.dispose();
    this.provenance.dispose();
    this.provenanceParams.dispose();
  }

  /** Send a notification if the server runs; false when it does not. */
  notify(method: string, params: object): boolean {
    if (!this.client || !this.running) {
      return false;
    }
    this.client.sendNotification(method, params).catch((error: unknown) => {
      this.output.warn(`${method} failed: ${String(error)}`);
    });
    return true;
  }

  async request<T>(method: string, params: object): Promise<T> {
    return this.live().sendRequest<T>(method, params);
  }

  /** Run a command of the server (`countersign.markAi`, ...). */
  async command<T>(command: string, args: unknown[]): Promise<T> {
    return (await this.live().sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  }

  /** Tell the server its settings changed. */
  sendSettings(): void {
    this.notify(DidChangeConfigurationNotification.method, { settings: { [SECTION]: serverSettings(this.settingKeys) } });
  }

  private live(): LanguageClient {
    if (!this.client || !this.running) {
      throw new Error('the countersign language server is not running (see the countersign output)');
    }
    return this.client;
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) {
      await client.stop().catch((error: unknown) => {
        this.output.warn(`stopping the server: ${String(error)}`);
      });
    }
  }

  private async startNow(): Promise<void> {
    let server;
    try {
      server = await findServer(vscode.window.activeTextEditor?.document.uri);
    } catch (error) {
      if (!(error instanceof ServerNotFound)) {
        throw error;
      }
      this.server = undefined;
      this.output.error(error.message);
      void showNotFound(error.message);
      return;
    }
    this.output.info(`starting ${server.command} ${server.args.join(' ')} (from ${server.source})`);
    this.server = server;
    const client = new LanguageClient(
      SECTION,
      'countersign',
      { command: server.command, args: server.args }, // stdio; TransportKind.stdio would add --stdio
      this.clientOptions(),
    );
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.output.error(`the server did not start: ${String(error)}`);
      void vscode.window.showErrorMessage(
        `countersign: the language server (${server.command}) did not start: ${String(error)}. See the countersign output.`,
      );
      return;
    }
    client.onNotification('countersign/provenance', (params: { uri?: unknown } | null) => {
      this.provenanceParams.fire(params);
      if (typeof params?.uri === 'string') {
        this.provenance.fire(params.uri);
      }
    });
    this.started.fire();
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.output,
      initializationOptions: serverSettings(this.settingKeys),
      middleware: this.middleware(),
    };
  }

  private middleware(): Middleware {
    return {
      workspace: {
        // Answer for the countersign section with the server's settings only.
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) {
            return answer;
          }
          return params.items.map((item, i): unknown =>
            item.section === SECTION
              ? serverSettings(this.settingKeys, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
              : answer[i],
          );
        },
      },
      // The server's lens runs `countersign.summary`; in VS Code, show the report instead.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) {
          if (lens.command?.command === 'countersign.summary') {
            lens.command = { ...lens.command, command: 'countersign.showReport', arguments: [document.uri] };
          }
        }
        return lenses;
      },
    };
  }
}

async function showNotFound(message: string): Promise<void> {
  const open = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(`countersign: ${message}`, open);
  if (choice === open) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:countersign.countersign`);
  }
}
