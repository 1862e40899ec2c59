/**
 * One kind of request that only its newest instance matters for (the photo on screen, its
 * neighbourhood, the next photo to prefetch): starting a new one aborts the one before, so a
 * backlog of superseded requests never stands between the ranger and the photo asked for.
 */
export class LatestRequest {
  private controller: AbortController | null = null;

  /** Aborts the request before and returns the signal of the new one. */
  next(): AbortSignal {
    this.controller?.abort();
    this.controller = new AbortController();
    return this.controller.signal;
  }

  cancel(): void {
    this.controller?.abort();
    this.controller = null;
  }
}
