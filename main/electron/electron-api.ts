import { createRequire } from 'node:module';
import type { UtilityProcessFork } from './utility-process-launcher.js';

/**
 * The part of Electron's API the shell uses, typed here because `electron` is an optional
 * dependency: its package (and its types) may be absent where the app is built and tested.
 * Loaded only by main/electron/main.ts, which only Electron runs.
 */
export interface ElectronRequest {
  url: string;
  /** Aborted when the page no longer wants the answer. */
  signal: AbortSignal;
}

export interface IpcMainInvokeEvent {
  senderFrame: { url: string; parent: unknown | null } | null;
}

export interface WebContents {
  send(channel: string, ...args: unknown[]): void;
  /** Sends to the main frame, with MessagePorts transferred. */
  postMessage(channel: string, message: unknown, transfer?: unknown[]): void;
  on(event: 'did-finish-load', listener: () => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): void;
  isDestroyed(): boolean;
}

export interface BrowserWindow {
  webContents: WebContents;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
}

export interface ElectronApi {
  app: {
    whenReady(): Promise<void>;
    on(event: 'window-all-closed', listener: () => void): void;
    on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): void;
    on(event: 'web-contents-created', listener: (event: unknown, contents: WebContents) => void): void;
    quit(): void;
    exit(code: number): void;
    getPath(name: 'userData' | 'documents'): string;
  };
  BrowserWindow: new (options: Record<string, unknown>) => BrowserWindow;
  ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  };
  protocol: {
    registerSchemesAsPrivileged(schemes: readonly { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: (request: ElectronRequest) => Promise<Response> | Response): void;
  };
  session: {
    defaultSession: {
      setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
      setPermissionCheckHandler(handler: () => boolean): void;
    };
  };
  dialog: {
    showOpenDialog(
      window: BrowserWindow,
      options: { properties: string[]; title?: string; filters?: { name: string; extensions: string[] }[] },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
    showErrorBox(title: string, content: string): void;
    showSaveDialog(
      window: BrowserWindow,
      options: { title?: string; defaultPath?: string; properties?: string[] },
    ): Promise<{ canceled: boolean; filePath?: string }>;
  };
  shell: { openExternal(url: string): Promise<void> };
  utilityProcess: { fork: UtilityProcessFork };
  MessageChannelMain: new () => { port1: unknown; port2: unknown };
  Menu: { setApplicationMenu(menu: null): void };
}

export function loadElectron(): ElectronApi {
  return createRequire(import.meta.url)('electron') as ElectronApi;
}
