import assert from 'node:assert/strict';
import path from 'node:path';
import type { CallName, CallOutcome, CallResult } from '../../main/api/contract.js';
import { type RunningServer, type ServerOptions, startServer } from '../../main/server/server.js';

/**
 * The review server on a fresh library (`library.sqlite` in `dir`), for tests that call its
 * API over HTTP and load no page (`dir` stands in for the renderer folder).
 */
export function startServerInDir(dir: string, options: Omit<ServerOptions, 'databasePath' | 'rendererDir'> = {}): Promise<RunningServer> {
  return startServer({ databasePath: path.join(dir, 'library.sqlite'), rendererDir: dir, ...options });
}

/** One call through the real HTTP transport, as the browser's API client makes it: every outcome, refusals included, comes back with 200. */
export async function callOverHttp<K extends CallName>(server: RunningServer, name: K, args: unknown): Promise<CallOutcome<K>> {
  const response = await fetch(`${server.origin}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-invasives-token': server.token },
    body: JSON.stringify(args ?? {}),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as CallOutcome<K>;
}

/** A call that must succeed: its value, or the test fails with the call's error code and message. */
export async function valueOverHttp<K extends CallName>(server: RunningServer, name: K, args: unknown): Promise<CallResult<K>> {
  const outcome = await callOverHttp(server, name, args);
  assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.value;
}
