import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { type RunningServer, type ServerOptions, startServer } from '../../main/server/server.js';
import { buildRenderer, launchChromium } from './browser.js';

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
}

/**
 * What every browser test starts with: a fresh build of the renderer, the review server on
 * the test's library (prepared by the test beforehand, or empty) and a page in Chromium.
 * If a step fails, what was already started is closed before the error is thrown.
 */
export async function openStationInBrowser(options: StationInBrowserOptions): Promise<StationInBrowser> {
  const { pageOptions, ...serverOptions } = options;
  buildRenderer(options.rendererDir);
  const server = await startServer(serverOptions);
  let browser: Browser | undefined;
  try {
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
