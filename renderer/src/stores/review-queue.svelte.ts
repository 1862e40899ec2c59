import type { PhotoFilter, PhotoSummary } from '../../../main/api/contract.js';
import { api, describeError } from '../lib/api-client.js';

/** Photos fetched per request as the grid scrolls. */
export const PAGE_SIZE = 200;

/**
 * The review queue the grid, the detail screen and the exports share: the filters, the
 * ordered photos matching them (fetched page by page, so 20,000 photos never load at
 * once), the cursor and the multi-selection.
 */
export class ReviewQueue {
  filter = $state<PhotoFilter>({ order: 'needs-review' });
  total = $state(0);
  /** Loaded pages by page index; replaced (not mutated) so the grid re-renders cheaply. */
  pages = $state.raw<Record<number, PhotoSummary[]>>({});
  cursor = $state(0);
  selected = $state.raw<Set<number>>(new Set());
  error = $state<string | null>(null);
  /** Bumped on every reload so stale page responses are dropped. */
  private generation = 0;
  private loading = new Set<number>();

  /** Refetches the count and drops the cached pages (filters changed, photos reviewed elsewhere). */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading.clear();
    try {
      const page = await api.call('photos:list', { filter: $state.snapshot(this.filter), offset: 0, limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      this.total = page.total;
      this.pages = { 0: page.photos };
      this.cursor = Math.min(this.cursor, Math.max(0, page.total - 1));
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  setFilter(filter: PhotoFilter): void {
    this.filter = filter;
    this.cursor = 0;
    this.selected = new Set();
    void this.reload();
  }

  at(index: number): PhotoSummary | undefined {
    return this.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
  }

  /** Makes sure the pages covering [from, to] are loaded or loading. */
  ensure(from: number, to: number): void {
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.floor(Math.min(to, this.total - 1) / PAGE_SIZE);
    for (let page = first; page <= last; page++) void this.loadPage(page);
  }

  async loadPage(page: number): Promise<void> {
    if (this.pages[page] || this.loading.has(page)) return;
    this.loading.add(page);
    const generation = this.generation;
    try {
      const result = await api.call('photos:list', { filter: $state.snapshot(this.filter), offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      this.pages = { ...this.pages, [page]: result.photos };
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading.delete(page);
    }
  }

  /** The photo at `index`, fetching its page when needed. */
  async fetchAt(index: number): Promise<PhotoSummary | undefined> {
    if (index < 0 || index >= this.total) return undefined;
    await this.loadPage(Math.floor(index / PAGE_SIZE));
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
