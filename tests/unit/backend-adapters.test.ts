import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, CallResult, EventName, InputPurpose } from '../../main/api/contract.js';
import { BackendHost } from '../../main/backend/backend-host.js';
import { serveBackend } from '../../main/backend/backend-service.js';
import { childProcessEndpoint, nodeProcessEndpoint, parentPortEndpoint, utilityProcessEndpoint } from '../../main/backend/endpoints.js';
import { type BackendMessage, type HostMessage, PROTOCOL_VERSION } from '../../main/backend/protocol.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { type UtilityProcessHandle, utilityProcessBackend } from '../../main/electron/utility-process-launcher.js';
import { type BridgePort, createPortCalls } from '../../main/electron/window-port-calls.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Electron's utilityProcess cannot run here (no Electron binary), so its adapter is driven by a
 * fake pair that behaves as Electron documents: the host's UtilityProcess posts messages and
 * emits 'message' / 'exit'; the backend's `process.parentPort` emits 'message' events carrying
 * `{ data }`; both structured-clone what crosses. Behind the fakes is the real protocol code:
 * the same BackendHost and serveBackend that the Node child process uses.
 */
class FakeParentPort extends EventEmitter {
  constructor(private readonly deliver: (message: unknown) => void) {
    super();
  }
  postMessage(message: unknown): void {
    const copy = structuredClone(message);
    setImmediate(() => this.deliver(copy));
  }
}

class FakeUtilityProcess extends EventEmitter implements UtilityProcessHandle {
  readonly pid = 424242;
  readonly port = new FakeParentPort((message) => this.emit('message', message));
  postMessage(message: unknown, transfer?: unknown[]): void {
    const copy = structuredClone(message);
    setImmediate(() => this.port.emit('message', { data: copy, ports: transfer }));
  }
  kill(): boolean {
    return true;
  }
}

describe('the utilityProcess adapter speaks the same protocol as the child-process one', () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const forked: { modulePath: string; options: unknown }[] = [];
  const dialogsAsked: InputPurpose[] = [];
  let host: BackendHost;
  let photoId = 0;

  before(async () => {
    const library = Library.open(databasePath);
    try {
      await writeCameraCard(path.join(dir, 'card'), 2);
      await importFolder(library, path.join(dir, 'card'), { settings: resolveSettings({ databasePath }) });
      photoId = library.photos.query({})[0]!.id;
    } finally {
      library.close();
    }
    const fork = (modulePath: string, _args?: string[], options?: unknown) => {
      forked.push({ modulePath, options });
      const child = new FakeUtilityProcess();
      // What dist/main/backend/entry.js does in a utilityProcess, here in this process.
      void serveBackend(parentPortEndpoint(child.port)).then(() => setImmediate(() => child.emit('exit', 0)));
      return child;
    };
    host = new BackendHost({
      launch: utilityProcessBackend(fork, '/opt/station/dist/main/backend/entry.js'),
      station: { databasePath, typedImportFolders: false },
      dialogs: {
        async chooseInput(purpose) {
          dialogsAsked.push(purpose);
          return path.join(dir, 'card');
        },
        async chooseSaveDestination() {
          return null;
        },
      },
    });
    await host.start();
  });
  after(() => host?.close());

  async function value<K extends CallName>(name: K, args?: unknown): Promise<CallResult<K>> {
    const outcome = await host.dispatch(name, args);
    assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
    return outcome.value as CallResult<K>;
  }

  test('the utilityProcess is forked from the built backend entry', () => {
    assert.equal(forked.length, 1);
    assert.equal(forked[0]!.modulePath, '/opt/station/dist/main/backend/entry.js');
    assert.equal(host.pid, 424242);
  });

  test('calls, events, photo bytes and a dialog round trip go through parentPort', async () => {
    assert.equal((await value('stats:get')).photos, 2);
    const events: EventName[] = [];
    const off = host.subscribe((name) => events.push(name));
    await value('photos:place', { photoId, latitude: 46.5, longitude: 7.5 });
    await new Promise((resolve) => setImmediate(resolve));
    off();
    assert.ok(events.includes('library:changed'), `events: ${events.join(', ')}`);
    const photo = await host.media('photo', String(photoId));
    assert.equal(photo.status, 200);
    assert.ok(Buffer.isBuffer(photo.body), 'structured-cloned bytes come back as a Buffer');
    assert.deepEqual([...photo.body.subarray(0, 2)], [0xff, 0xd8]);
    const chosen = await value('import:pickFolder');
    assert.equal(chosen?.name, 'card');
    assert.deepEqual(dialogsAsked, ['photo-folder']);
  });

  test('the backend drops media requests cancelled while they wait in line, and answers the others', async () => {
    const sent: BackendMessage[] = [];
    let deliver!: (message: HostMessage) => void;
    const served = serveBackend({ send: (message) => sent.push(message), onMessage: (receive) => (deliver = receive) });
    deliver({ type: 'start', version: PROTOCOL_VERSION, options: { databasePath, typedImportFolders: true, dialogs: false, resumeInterruptedJobs: false } });
    assert.equal(sent[0]?.type, 'ready');
    const ids = Array.from({ length: 12 }, (_, index) => 100 + index);
    for (const id of ids) deliver({ type: 'media', id, kind: 'photo', photo: String(photoId) });
    // Four are being made; the eight waiting are cancelled (the page scrolled past them).
    for (const id of ids.slice(4)) deliver({ type: 'cancel', id });
    while (sent.filter((message) => message.type === 'media-response').length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answered = sent.flatMap((message) => (message.type === 'media-response' ? [message.id] : []));
    assert.deepEqual(answered.sort(), ids.slice(0, 4));
    deliver({ type: 'shutdown' });
    await served;
    assert.equal(sent.at(-1)?.type, 'closed');
  });

  test("the window's calls go over its own MessagePort straight to the backend, not through the main process", async () => {
    // What MessageChannelMain gives main.ts: one end for the backend (Electron's MessagePortMain,
    // messages as { data }), the other for the window's preload (a DOM MessagePort).
    const { port1, port2 } = new MessageChannel();
    const backendEnd = {
      postMessage: (message: unknown) => port1.postMessage(message),
      on(event: string, listener: (event?: { data: unknown }) => void) {
        if (event === 'message') port1.on('message', (data) => listener({ data }));
        else port1.on('close', () => listener());
      },
      start: () => undefined,
    };
    try {
      assert.equal(await host.connectWindow(backendEnd), true);
      const throughMain: string[] = [];
      const calls = createPortCalls(async (name) => {
        throughMain.push(name);
        return { ok: false, error: { code: 'TRANSPORT', message: 'not connected' } };
      });
      assert.equal((await calls.call('stats:get', {})).ok, false, 'before the port: through the main process');
      calls.usePort(port2 as unknown as BridgePort);
      const stats = await calls.call('stats:get', {});
      assert.ok(stats.ok);
      assert.equal((stats.value as { photos: number }).photos, 2);
      const bad = await calls.call('photos:get', { id: 'x' });
      assert.equal(bad.ok ? null : bad.error.code, 'BAD_ARGUMENTS', 'validated by the contract like every call');
      assert.deepEqual(throughMain, ['stats:get']);
      // The backend stops: a call waiting on the port fails at once, later ones go through the main process again.
      const waiting = calls.call('import:pickFolder', undefined);
      calls.backendStopped();
      const stopped = await waiting;
      assert.equal(stopped.ok ? null : stopped.error.code, 'BACKEND_STOPPED');
      await calls.call('stats:get', {});
      assert.deepEqual(throughMain, ['stats:get', 'stats:get']);
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('a request the window gave up on is cancelled and answered at once', async () => {
    const controller = new AbortController();
    controller.abort();
    const media = await host.media('thumb', String(photoId), controller.signal);
    assert.equal(media.status, 503);
    assert.match(media.body.toString(), /cancelled/);
  });
});

describe('the adapters carry protocol messages and nothing else', () => {
  const hostMessage: HostMessage = { type: 'call', id: 7, name: 'stats:get', args: {} };
  const backendMessage: BackendMessage = { type: 'media-response', id: 7, status: 200, contentType: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8]) };

  test('backend side: parentPort (Electron) and process IPC (Node) deliver the same host messages', () => {
    const port = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void };
    const posted: unknown[] = [];
    port.postMessage = (message) => posted.push(message);
    const nodeProcess = new EventEmitter() as EventEmitter & { send(message: unknown): boolean };
    const sent: unknown[] = [];
    nodeProcess.send = (message) => sent.push(message) > 0;
    const fromPort: HostMessage[] = [];
    const fromProcess: HostMessage[] = [];
    const electronSide = parentPortEndpoint(port);
    const nodeSide = nodeProcessEndpoint(nodeProcess);
    electronSide.onMessage((message) => fromPort.push(message));
    nodeSide.onMessage((message) => fromProcess.push(message));
    port.emit('message', { data: hostMessage });
    port.emit('message', { data: { type: 'steal-the-library' } });
    nodeProcess.emit('message', hostMessage);
    nodeProcess.emit('message', 'not an object');
    assert.deepEqual(fromPort, [hostMessage]);
    assert.deepEqual(fromProcess, [hostMessage]);
    electronSide.send(backendMessage);
    nodeSide.send(backendMessage);
    assert.deepEqual(posted, [backendMessage]);
    assert.deepEqual(sent, [backendMessage]);
  });

  test('host side: UtilityProcess (Electron) and ChildProcess (Node) deliver the same backend messages', () => {
    const utility = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void };
    const posted: unknown[] = [];
    utility.postMessage = (message) => posted.push(message);
    const child = new EventEmitter() as EventEmitter & { send(message: unknown): boolean; connected: boolean };
    const sent: unknown[] = [];
    child.send = (message) => sent.push(message) > 0;
    child.connected = true;
    const fromUtility: BackendMessage[] = [];
    const fromChild: BackendMessage[] = [];
    utilityProcessEndpoint(utility).onMessage((message) => fromUtility.push(message));
    childProcessEndpoint(child).onMessage((message) => fromChild.push(message));
    for (const emitter of [utility, child]) {
      emitter.emit('message', backendMessage);
      emitter.emit('message', { type: 'call', id: 1, name: 'x', args: {} });
    }
    assert.deepEqual(fromUtility, [backendMessage]);
    assert.deepEqual(fromChild, [backendMessage]);
    utilityProcessEndpoint(utility).send(hostMessage);
    childProcessEndpoint(child).send(hostMessage);
    child.connected = false;
    childProcessEndpoint(child).send(hostMessage);
    assert.deepEqual(posted, [hostMessage]);
    assert.deepEqual(sent, [hostMessage], 'nothing is sent to a child whose channel closed');
  });
});

describe('a backend that keeps dying', () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');

  test('is restarted a few times a minute, then the host stops and says what to do', async () => {
    let launches = 0;
    const fork = () => {
      launches += 1;
      const child = new FakeUtilityProcess();
      const served = serveBackend(parentPortEndpoint(child.port));
      // A crash: the station goes away (closed here, as the process's end would) and 'exit' follows.
      child.kill = () => {
        child.port.emit('message', { data: { type: 'shutdown' } });
        void served.then(() => child.emit('exit', 1));
        return true;
      };
      return child;
    };
    const host = new BackendHost({
      launch: utilityProcessBackend(fork, 'entry.js'),
      station: { databasePath, typedImportFolders: true },
      maxRestarts: 1,
      restartDelayMs: 10,
    });
    const states: string[] = [];
    host.subscribe((name, payload) => name === 'backend:state' && states.push((payload as { state: string }).state));
    await host.start();
    const backAgain = new Promise<void>((resolve) => host.subscribe((name, payload) => name === 'backend:state' && (payload as { state: string }).state === 'ready' && resolve()));
    host.killBackend();
    await backAgain;
    assert.equal((await host.dispatch('stats:get', {})).ok, true, 'restarted once');
    const gaveUp = new Promise<void>((resolve) => host.subscribe((name, payload) => name === 'backend:state' && (payload as { state: string }).state === 'stopped' && resolve()));
    host.killBackend();
    await gaveUp;
    assert.deepEqual(states, ['restarting', 'ready', 'stopped']);
    assert.equal(launches, 2);
    const refused = await host.dispatch('stats:get', {});
    assert.equal(refused.ok ? null : refused.error.code, 'BACKEND_STOPPED');
    assert.match(refused.ok ? '' : refused.error.message, /stopped 2 times within a minute.*close the station and open it again/);
    await host.close();
  });
});
