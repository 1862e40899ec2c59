import type { PhotoFilter, PhotoSummary } from '../../../main/api/contract.js';
import { api, describeError, isSuperseded } from '../lib/api-client.js';

/** Photos fetched per request as the grid scrolls. */
export const PAGE_SIZE = 200;

/** Page requests running at once; later wishes of the grid wait (and are replaced when superseded). */
const MAX_PAGES_IN_FLIGHT = 2;

/** Photos either side of the cursor a reload loads with its page (about the rows the grid shows around it). */
const RELOAD_MARGIN = 48;

/** Where the review position is kept across reloads of the page (this tab only). */
const SAVED_KEY = 'invasives.review-position';

interface SavedPosition {
  filter: PhotoFilter;
  orderAsOf: string;
  photoId: number | null;
}

function loadSaved(): SavedPosition | null {
  try {
    const text = sessionStorage.getItem(SAVED_KEY);
    return text ? (JSON.parse(text) as SavedPosition) : null;
  } catch {
    return null;
  }
}

/**
 * The review queue the grid, the detail screen and the exports share: the filters, the
 * ordered photos matching them (fetched page by page, so 20,000 photos never load at
 * once), the cursor and the multi-selection.
 */
export class ReviewQueue {
  filter = $state<PhotoFilter>({ order: 'needs-review' });
  /**
   * The review session's clock: photos decided after it keep their place in the order, so
   * decisions, Esc and paging never move photos under the ranger. Reset by a filter change.
   */
  orderAsOf = new Date().toISOString();
  total = $state(0);
  /** True once a first page came back (the grid shows the queue as it stands, not a reload). */
  loaded = $state(false);
  /** Loaded pages by page index; replaced (not mutated) so the grid re-renders cheaply. */
  pages = $state.raw<Record<number, PhotoSummary[]>>({});
  cursor = $state(0);
  selected = $state.raw<Set<number>>(new Set());
  error = $state<string | null>(null);
  /** Bumped on every reload so stale page responses are dropped. */
  private generation = 0;
  /** Bumped when the ranger moves the cursor: a reload then in flight leaves the cursor where the ranger put it. */
  private cursorMoves = 0;
  private loading = new Set<number>();
  /** Page requests the grid's scrolling started, by page: aborted when a reload or filter change supersedes them. */
  private scrolledFor = new Map<number, AbortController>();

  constructor() {
    const saved = typeof sessionStorage === 'undefined' ? null : loadSaved();
    if (saved) {
      this.filter = saved.filter;
      this.orderAsOf = saved.orderAsOf;
      this.anchorId = saved.photoId;
    }
  }

  /** The photo the cursor should stay on across reloads (known before its page is). */
  private anchorId: number | null = null;

  /** The photo under the cursor (the one to come back to while its page is not loaded yet). */
  get cursorPhotoId(): number | null {
    return this.anchorId ?? this.at(this.cursor)?.id ?? null;
  }

  /** Keeps the filter, the session clock and the photo under the cursor for a reload of the page. */
  save(): void {
    try {
      const saved: SavedPosition = { filter: $state.snapshot(this.filter), orderAsOf: this.orderAsOf, photoId: this.cursorPhotoId };
      sessionStorage.setItem(SAVED_KEY, JSON.stringify(saved));
    } catch {
      // Storage refused (private mode): the position is simply not kept across reloads.
    }
  }

  private listArgs(offset: number) {
    return { filter: $state.snapshot(this.filter), offset, limit: PAGE_SIZE, orderAsOf: this.orderAsOf };
  }

  /**
   * Refetches the count and drops the cached pages (filters changed, photos imported), keeping
   * the cursor on the photo it was on when that photo is still in the queue. Two requests: the
   * photo's place (with the count), then the page around it; the pages shown meanwhile stay, and
   * the grid asks for no page of the old scroll position while the new one is unknown.
   */
  async reload(): Promise<void> {
    const anchor = this.anchorId ?? this.at(this.cursor)?.id ?? null;
    const generation = ++this.generation;
    const moves = this.cursorMoves;
    this.abortScrolled();
    this.loading.clear();
    this.wanted = [];
    this.reloading = true;
    try {
      const position = anchor === null ? null : await api.call('photos:position', { filter: $state.snapshot(this.filter), photoId: anchor, orderAsOf: this.orderAsOf });
      if (generation !== this.generation) return;
      const target = moves === this.cursorMoves && position?.index != null ? position.index : this.cursor;
      const last = Math.max(0, (position?.total ?? target + 1) - 1);
      // The cursor's page, and its neighbour when the grid around the cursor reaches into it: asked together.
      const pageIndices = [...new Set([target - RELOAD_MARGIN, target, target + RELOAD_MARGIN].map((at) => Math.floor(Math.max(0, Math.min(at, last)) / PAGE_SIZE)))];
      const loaded = await Promise.all(pageIndices.map((pageIndex) => api.call('photos:list', this.listArgs(pageIndex * PAGE_SIZE))));
      if (generation !== this.generation) return;
      const page = loaded[0]!;
      this.total = page.total;
      this.pages = Object.fromEntries(pageIndices.map((pageIndex, i) => [pageIndex, loaded[i]!.photos]));
      const wanted = moves === this.cursorMoves && position?.index != null ? position.index : this.cursor;
      this.cursor = Math.min(wanted, Math.max(0, page.total - 1));
      this.anchorId = null;
      this.loaded = true;
      this.error = null;
      this.save();
    } catch (error) {
      this.error = describeError(error);
    } finally {
      if (generation === this.generation) {
        // Wishes made meanwhile were for where the grid was; it asks again where the cursor is now.
        this.reloading = false;
        this.wanted = [];
      }
    }
  }

  /** True while a reload looks up where the cursor goes: the grid's wishes wait for it. */
  private reloading = false;

  setFilter(filter: PhotoFilter): void {
    this.anchorId = this.cursorPhotoId;
    this.filter = filter;
    this.pages = {};
    this.orderAsOf = new Date().toISOString();
    // The cursor stays where it is until the reload puts it on the same photo in the new order
    // (moving it to the top first would ask for the first page for nothing).
    this.selected = new Set();
    void this.reload();
  }

  /**
   * Puts the cursor on a photo opened from anywhere (an alert, the map, a reload) and loads its
   * page; returns its index. A photo the filters leave out widens the queue to all photos.
   */
  async locate(photoId: number): Promise<{ index: number; widened: boolean } | null> {
    this.anchorId = null;
    const known = this.indexOf(photoId);
    if (known >= 0) return { index: (this.cursor = known), widened: false };
    let widened = false;
    let position = await api.call('photos:position', { filter: $state.snapshot(this.filter), photoId, orderAsOf: this.orderAsOf });
    if (position.index === null) {
      this.filter = { order: this.filter.order ?? 'needs-review' };
      this.selected = new Set();
      widened = true;
      position = await api.call('photos:position', { filter: $state.snapshot(this.filter), photoId, orderAsOf: this.orderAsOf });
    }
    if (position.index === null) return null;
    if (widened || !this.loaded || position.total !== this.total) {
      this.generation++;
      this.abortScrolled();
      this.loading.clear();
      this.wanted = [];
      this.pages = {};
      this.total = position.total;
      this.loaded = true;
    }
    this.cursor = position.index;
    await this.loadPage(Math.floor(position.index / PAGE_SIZE));
    this.save();
    return { index: position.index, widened };
  }

  /** The ranger moved the cursor (keys, a click): it wins over a position a reload is still looking up. */
  moveCursor(index: number): void {
    this.anchorId = null;
    this.cursorMoves++;
    this.cursor = Math.max(0, Math.min(this.total - 1, index));
  }

  at(index: number): PhotoSummary | undefined {
    return this.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
  }

  /**
   * Asks for the pages covering [from, to]: the view's latest wish replaces the earlier ones, so
   * pages scrolled past before their turn are never requested (fast scrolling to the end costs
   * the last pages, not every page on the way), and at most MAX_PAGES_IN_FLIGHT run at once.
   */
  ensure(from: number, to: number): void {
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.floor(Math.min(to, this.total - 1) / PAGE_SIZE);
    const wanted: number[] = [];
    for (let page = first; page <= last; page++) if (!this.pages[page] && !this.loading.has(page)) wanted.push(page);
    this.wanted = wanted;
    // Requests already sent are let finish (the station does their work anyway, and at most
    // MAX_PAGES_IN_FLIGHT are out); those of an older filter or reload are aborted (reload()).
    this.pump();
  }

  private abortScrolled(): void {
    for (const controller of this.scrolledFor.values()) controller.abort();
    this.scrolledFor.clear();
  }

  /** Pages the grid's view waits for, not requested yet. */
  private wanted: number[] = [];
  private inFlight = 0;

  private pump(): void {
    if (this.reloading) return;
    while (this.inFlight < MAX_PAGES_IN_FLIGHT && this.wanted.length > 0) void this.loadPage(this.wanted.shift()!, true);
  }

  /** Loads a page; `forScrolling`: the grid's scrolling asked for it, so a reload may abort it. */
  async loadPage(page: number, forScrolling = false): Promise<void> {
    if (this.pages[page]) return;
    if (this.loading.has(page)) {
      // Someone needs it now (opening a photo): it must not be cancelled by scrolling any more.
      this.scrolledFor.delete(page);
      if (!forScrolling) await this.pageLoaded(page);
      return;
    }
    this.loading.add(page);
    this.inFlight++;
    const generation = this.generation;
    const controller = new AbortController();
    if (forScrolling) this.scrolledFor.set(page, controller);
    try {
      const result = await api.cancellable(controller.signal, 'photos:list', this.listArgs(page * PAGE_SIZE));
      if (generation !== this.generation) return;
      this.pages = { ...this.pages, [page]: result.photos };
    } catch (error) {
      if (!isSuperseded(error)) this.error = describeError(error);
    } finally {
      if (this.scrolledFor.get(page) === controller) this.scrolledFor.delete(page);
      if (generation === this.generation) this.loading.delete(page);
      this.inFlight--;
      this.pump();
      for (const resolve of this.pageWaiters.get(page) ?? []) resolve();
      this.pageWaiters.delete(page);
    }
  }

  private pageWaiters = new Map<number, Array<() => void>>();

  /** Resolves when the request for a page already in flight ends. */
  private pageLoaded(page: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.pageWaiters.get(page) ?? [];
      waiting.push(resolve);
      this.pageWaiters.set(page, waiting);
    });
  }

  /** The photo at `index`, fetching its page when needed. */
  async fetchAt(index: number): Promise<PhotoSummary | undefined> {
    if (index < 0 || index >= this.total) return undefined;
    const page = Math.floor(index / PAGE_SIZE);
    await this.loadPage(page);
    // A request of an older generation ended first: wait for the current one.
    if (!this.at(index) && this.loading.has(page)) await this.loadPage(page);
    return this.at(index);
  }

  indexOf(photoId: number): number {
    for (const [page, photos] of Object.entries(this.pages)) {
      const offset = photos.findIndex((photo) => photo.id === photoId);
      if (offset >= 0) return Number(page) * PAGE_SIZE + offset;
    }
    return -1;
  }

  /** Puts a photo's new state into the cached page, keeping its place in the queue. */
  replace(photo: PhotoSummary): void {
    const index = this.indexOf(photo.id);
    if (index < 0) return;
    const page = Math.floor(index / PAGE_SIZE);
    const photos = [...this.pages[page]!];
    photos[index % PAGE_SIZE] = photo;
    this.pages = { ...this.pages, [page]: photos };
  }

  toggleSelected(photoId: number): void {
    const next = new Set(this.selected);
    if (next.has(photoId)) next.delete(photoId);
    else next.add(photoId);
    this.selected = next;
  }

  clearSelection(): void {
    this.selected = new Set();
  }
}

export const queue = new ReviewQueue();
