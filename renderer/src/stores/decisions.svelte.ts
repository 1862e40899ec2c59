import { ApiCallError, type PhotoSummary, type ReviewDecision } from '../../../main/api/contract.js';
import { api, describeError } from '../lib/api-client.js';
import { forgetPhoto } from './photo-prefetch.js';
import { queue } from './review-queue.svelte.js';
import { forgetDecision, rememberDecision } from './undo.js';

export interface DecisionRequest {
  photoId: number;
  decision: ReviewDecision;
  species?: string;
  note?: string;
}

/** The photo as it will be once the station stores the decision (what toSummary will say). */
export function decidedSummary(photo: PhotoSummary, request: DecisionRequest): PhotoSummary {
  const vouched = request.species ?? (request.decision === 'confirmed' ? photo.prediction?.label : undefined) ?? null;
  const species = request.decision === 'rejected' ? null : request.decision === 'confirmed' || request.decision === 'corrected' ? vouched : (photo.prediction?.label ?? null);
  return {
    ...photo,
    status: request.decision,
    species,
    review: { id: photo.review?.id ?? 0, decision: request.decision, species: vouched, note: request.note ?? null, decidedAt: new Date().toISOString(), reviewer: null, station: null },
  };
}

/** How often a decision asks a busy library again, and for how long before it is given up. */
const BUSY_RETRY_MS = 2000;
const BUSY_GIVE_UP_MS = 10 * 60_000;

/**
 * Keyboard decisions are optimistic: the queue shows the decision and the next photo at once,
 * while the station stores it in the background, one decision after the other in the order
 * made (two decisions on one photo never swap). When the station's answer comes the queue takes
 * it; when it fails, the photo goes back to what it was, the step leaves the undo list and the
 * failure is shown, naming the photo. A busy library (another station's bundle being merged,
 * or another program writing) is not a failure: the decisions wait, in order, and are stored
 * as soon as it is free (given up after 10 minutes).
 */
class OptimisticDecisions {
  /** Decisions made but not stored yet (the photo view says "saving…"). */
  pending = $state(0);
  failure = $state<{ photoId: number; message: string } | null>(null);
  /** Why saving waits (the station's BUSY answer), while it does. */
  paused = $state<string | null>(null);
  private chain: Promise<void> = Promise.resolve();
  /** Photos with a decision not stored yet, and how many. */
  private readonly unstored = new Map<number, number>();

  isPending(photoId: number): boolean {
    return this.unstored.has(photoId);
  }

  /** Shows `request` in the queue now and stores it in the background. */
  record(before: PhotoSummary, request: DecisionRequest): PhotoSummary {
    const shown = decidedSummary(before, request);
    queue.replace(shown);
    // A prefetched detail of this photo no longer says what the queue does.
    forgetPhoto(request.photoId);
    rememberDecision([request.photoId]);
    this.pending++;
    this.unstored.set(request.photoId, (this.unstored.get(request.photoId) ?? 0) + 1);
    this.chain = this.chain.then(async () => {
      try {
        const stored = await this.store(request);
        queue.replace(stored);
      } catch (error) {
        queue.replace(before);
        forgetDecision(request.photoId);
        this.failure = { photoId: request.photoId, message: `The decision on photo ${request.photoId} was not stored: ${describeError(error)}` };
      } finally {
        // Its history changed: the next view asks the station again.
        forgetPhoto(request.photoId);
        this.pending--;
        const left = (this.unstored.get(request.photoId) ?? 1) - 1;
        if (left > 0) this.unstored.set(request.photoId, left);
        else this.unstored.delete(request.photoId);
      }
    });
    return shown;
  }

  /** Stores one decision, asking again while the library is busy. */
  private async store(request: DecisionRequest): Promise<PhotoSummary> {
    const started = Date.now();
    for (;;) {
      try {
        const stored = await api.call('reviews:record', request);
        this.paused = null;
        return stored;
      } catch (error) {
        const busy = error instanceof ApiCallError && error.code === 'BUSY' && Date.now() - started < BUSY_GIVE_UP_MS;
        if (!busy) {
          this.paused = null;
          throw error;
        }
        this.paused = describeError(error);
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      }
    }
  }

  /** Resolves once every decision made so far is stored or rolled back (undo, reloads and bulk actions wait for it). */
  settled(): Promise<void> {
    return this.chain;
  }

  dismissFailure(): void {
    this.failure = null;
  }
}

export const decisions = new OptimisticDecisions();
