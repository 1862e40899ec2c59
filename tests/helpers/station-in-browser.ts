import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { Library } from '../../main/core/library/index.js';
import { type RunningServer, type ServerOptions, startServer } from '../../main/server/server.js';
import { buildRenderer, launchChromium } from './browser.js';
import { chooseInDialog } from './input-files.js';

export interface StationInBrowser {
  server: RunningServer;
  browser: Browser;
  /** A blank page: the test goes to the screen it needs. */
  page: Page;
}

export interface StationInBrowserOptions extends ServerOptions {
  databasePath: string;
  /** The renderer is built afresh into this folder, which the server then serves. */
  rendererDir: string;
  /** The page's settings: its viewport, downloads, CSP bypass for axe-core. */
  pageOptions: BrowserContextOptions;
  /**
   * What the test stores in its library before the server opens it (awaited when it returns a
   * promise): the library at `databasePath` is opened for this and closed again. Absent: the
   * library is as the test left it, or empty.
   */
  prepareLibrary?: (library: Library) => unknown;
  /**
   * A model pack folder (model.onnx, classes.txt, preprocessing.json) the station adds and makes
   * active once it runs, as if chosen in the desktop app's dialog.
   */
  activeModelPack?: string;
}

/**
 * What every browser test starts with: a fresh build of the renderer, the review server on
 * the test's library (prepared by the test beforehand or by `prepareLibrary`, or empty) and a
 * page in Chromium. If a step fails, what was already started is closed before the error is thrown.
 */
export async function openStationInBrowser(options: StationInBrowserOptions): Promise<StationInBrowser> {
  const { pageOptions, prepareLibrary, activeModelPack, ...serverOptions } = options;
  if (prepareLibrary) await withLibrary(options.databasePath, prepareLibrary);
  buildRenderer(options.rendererDir);
  const server = await startServer(serverOptions);
  let browser: Browser | undefined;
  try {
    if (activeModelPack) await addActiveModelPack(server, activeModelPack);
    browser = await launchChromium();
    return { server, browser, page: await browser.newPage(pageOptions) };
  } catch (error) {
    await closeStationInBrowser({ server, browser });
    throw error;
  }
}

/** Closes the browser, then the server; either may be absent when the test's setup failed early. */
export async function closeStationInBrowser({ server, browser }: { server?: RunningServer; browser?: Browser }): Promise<void> {
  await browser?.close();
  await server?.close();
}

async function withLibrary(databasePath: string, use: (library: Library) => unknown): Promise<void> {
  const library = Library.open(databasePath);
  try {
    await use(library);
  } finally {
    library.close();
  }
}

async function addActiveModelPack(server: RunningServer, packDir: string): Promise<void> {
  const added = await server.station.dispatch('models:add', { file: chooseInDialog(server.station, packDir, 'model-pack').handle, activate: true });
  if (!added.ok) throw new Error(`the model pack ${packDir} was not added: ${added.error.message}`);
}
