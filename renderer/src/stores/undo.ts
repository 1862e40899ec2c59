import type { PhotoSummary } from '../../../main/api/contract.js';
import { api } from '../lib/api-client.js';

/**
 * Decisions made in this session, newest last, one step per action: a single decision is a
 * step of one photo, a bulk action is one step of all its photos. Z takes back the newest
 * step, wherever it was made.
 */
const steps: number[][] = [];

export function rememberDecision(photoIds: number[]): void {
  if (photoIds.length > 0) steps.push([...photoIds]);
}

/** A single decision that the station refused: it is no step to undo. */
export function forgetDecision(photoId: number): void {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.length === 1 && steps[i]![0] === photoId) {
      steps.splice(i, 1);
      return;
    }
  }
}

/** Removes and returns the newest step, or undefined when nothing was decided in this session. */
export function takeBackLatest(): number[] | undefined {
  return steps.pop();
}

/**
 * Takes back the newest step through the station (one call, one transaction for a bulk
 * step); returns its photos and what to tell the ranger, or null when there was none.
 */
export async function undoLatestStep(): Promise<{ photoIds: number[]; message: string; single: PhotoSummary | null } | null> {
  const step = takeBackLatest();
  if (!step) return null;
  try {
    if (step.length === 1) {
      const single = await api.call('reviews:undo', { photoId: step[0]! });
      return { photoIds: step, message: 'Decision undone.', single };
    }
    const { count } = await api.call('reviews:undoMany', { photoIds: step });
    return { photoIds: step, message: `Bulk decision on ${count} photos undone.`, single: null };
  } catch (error) {
    steps.push(step);
    throw error;
  }
}
