import type { Library, NewReview, PhotoSummary, PositionSource, ReviewRow } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { captureSortKey } from './capture-time.js';
import { distanceMetres } from './grid.js';

/** Photos of one plant taken in one burst, counted and decided as one observation. */
export interface ObservationGroup {
  /** The group's smallest photo id. */
  id: number;
  photoIds: number[];
  /** A ranger's species when one confirmed or corrected a member; null when rejected; else the group prediction. */
  species: string | null;
  /** Mean over the members of the probability of `species` (the group prediction); null when unknown. */
  score: number | null;
  evidence: 'confirmed' | 'predicted' | 'rejected' | 'none';
  /** The earliest member's capture time. */
  capturedAt: string | null;
  /** Mean position of the members that have one. */
  latitude: number | null;
  longitude: number | null;
  positionSource: PositionSource | null;
  /**
   * The open set judged a member's prediction (from the group's model) unknown: a prediction
   * of a species the model does not know. Never set once a ranger named the species.
   */
  unknown: boolean;
  /** Members a ranger rejected: they never count toward an alert. */
  rejectedPhotoIds: number[];
}

/** Cosine similarity of two embeddings (1: same direction). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

class DisjointSets {
  private readonly parent = new Map<number, number>();
  find(x: number): number {
    let root = this.parent.get(x) ?? x;
    while (root !== (this.parent.get(root) ?? root)) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }
  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(Math.max(rootA, rootB), Math.min(rootA, rootB));
  }
}

/**
 * Groups near-duplicate photos: taken within `burstSeconds` of each other and either within
 * `burstMetres`, or with embeddings at least `burstEmbeddingSimilarity` alike (same model)
 * when one has no position or the two are still close (GPS jitter, up to 5 × burstMetres).
 */
export function findObservationGroups(photos: readonly PhotoSummary[], library: Library, settings: GeoSettings): number[][] {
  const timed = photos
    .map((photo) => ({ photo, time: captureSortKey(photo.capturedAt) }))
    .filter((entry): entry is { photo: PhotoSummary; time: number } => entry.time !== null)
    .sort((a, b) => a.time - b.time || a.photo.id - b.photo.id);
  const sets = new DisjointSets();
  const embeddings = new Map<number, Float32Array | null>();
  const embeddingOf = (photo: PhotoSummary) => {
    if (!embeddings.has(photo.id)) {
      embeddings.set(photo.id, photo.prediction ? (library.predictions.vectorsOf(photo.id, photo.prediction.modelId)?.embedding ?? null) : null);
    }
    return embeddings.get(photo.id)!;
  };
  const windowMs = settings.burstSeconds * 1000;
  for (let i = 0; i < timed.length; i++) {
    const a = timed[i]!;
    for (let j = i + 1; j < timed.length && timed[j]!.time - a.time <= windowMs; j++) {
      const b = timed[j]!.photo;
      const bothPlaced = a.photo.latitude !== null && b.latitude !== null;
      const distance = bothPlaced
        ? distanceMetres({ latitude: a.photo.latitude!, longitude: a.photo.longitude! }, { latitude: b.latitude!, longitude: b.longitude! })
        : null;
      if (distance !== null && distance <= settings.burstMetres) {
        sets.union(a.photo.id, b.id);
        continue;
      }
      if (distance !== null && distance > settings.burstMetres * 5) continue;
      if (a.photo.prediction?.modelId !== b.prediction?.modelId) continue;
      const embeddingA = embeddingOf(a.photo);
      const embeddingB = embeddingOf(b);
      if (embeddingA && embeddingB && cosineSimilarity(embeddingA, embeddingB) >= settings.burstEmbeddingSimilarity) sets.union(a.photo.id, b.id);
    }
  }
  const groups = new Map<number, number[]>();
  for (const photo of photos) {
    const root = sets.find(photo.id);
    let members = groups.get(root);
    if (!members) groups.set(root, (members = []));
    members.push(photo.id);
  }
  return [...groups.values()].map((members) => members.sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);
}

/** What one group says, from its members: the ranger's decision, else the mean of their probability vectors. */
export function summariseGroup(members: readonly PhotoSummary[], library: Library, labelsCache = new Map<number, string[] | null>()): ObservationGroup {
  const reviewed = members
    .filter((photo) => photo.review && photo.review.decision !== 'unsure')
    .sort((a, b) => (a.review!.decidedAt < b.review!.decidedAt ? 1 : a.review!.decidedAt > b.review!.decidedAt ? -1 : b.review!.id - a.review!.id));
  const latestDecision = reviewed[0];
  let species: string | null = null;
  let evidence: ObservationGroup['evidence'] = 'none';
  if (latestDecision && latestDecision.status !== 'rejected') {
    species = latestDecision.species;
    evidence = 'confirmed';
  } else if (latestDecision) {
    evidence = 'rejected';
  }
  // The group prediction: mean of the members' probability vectors from one model (as the original service merges an observation).
  let score: number | null = null;
  const modelId = members.find((photo) => photo.prediction)?.prediction?.modelId;
  if (modelId !== undefined && !labelsCache.has(modelId)) labelsCache.set(modelId, library.models.get(modelId)?.labels ?? null);
  const labels = modelId !== undefined ? labelsCache.get(modelId) : null;
  // A single photo's mean is its own vector: its stored top classes usually hold the answer without decoding it.
  const single = members.length === 1 ? members[0]!.prediction : null;
  const fromTopK = single && (evidence === 'none' ? single.topK[0] : single.topK.find((entry) => entry.label === species));
  if (single && fromTopK) {
    if (evidence === 'none') {
      species = fromTopK.label;
      evidence = 'predicted';
    }
    score = fromTopK.probability;
  } else if (modelId !== undefined && labels) {
    let sum: Float64Array | null = null;
    let count = 0;
    for (const photo of members) {
      const vectors = photo.prediction?.modelId === modelId ? library.predictions.vectorsOf(photo.id, modelId) : null;
      if (!vectors) continue;
      sum ??= new Float64Array(vectors.probabilities.length);
      vectors.probabilities.forEach((value, index) => (sum![index]! += value));
      count++;
    }
    if (sum && count > 0) {
      const mean = Array.from(sum, (value) => value / count);
      if (evidence === 'none') {
        const best = mean.reduce((bestIndex, value, index) => (value > mean[bestIndex]! ? index : bestIndex), 0);
        species = labels[best] ?? null;
        evidence = species ? 'predicted' : 'none';
      }
      const index = species ? labels.indexOf(species) : -1;
      score = index >= 0 ? mean[index]! : null;
    }
  }
  if (evidence === 'rejected') species = null;
  const unknown =
    evidence === 'predicted' && members.some((photo) => photo.status !== 'rejected' && photo.prediction?.modelId === modelId && photo.prediction?.openSet?.unknown === true);
  const placed = members.filter((photo) => photo.latitude !== null);
  const times = members.map((photo) => photo.capturedAt).filter((time): time is string => time !== null).sort();
  return {
    id: Math.min(...members.map((photo) => photo.id)),
    photoIds: members.map((photo) => photo.id).sort((a, b) => a - b),
    species,
    score,
    evidence,
    capturedAt: times[0] ?? null,
    latitude: placed.length ? placed.reduce((total, photo) => total + photo.latitude!, 0) / placed.length : null,
    longitude: placed.length ? placed.reduce((total, photo) => total + photo.longitude!, 0) / placed.length : null,
    positionSource: placed[0]?.positionSource ?? null,
    unknown,
    rejectedPhotoIds: members.filter((photo) => photo.status === 'rejected').map((photo) => photo.id).sort((a, b) => a - b),
  };
}

/** Every observation of the library (singletons included), grouped now, without storing the grouping. */
export function computeObservations(
  library: Library,
  settings: GeoSettings,
): { groups: number[][]; observations: ObservationGroup[]; photos: Map<number, PhotoSummary> } {
  const photos = [...library.photos.iterate()];
  const byId = new Map(photos.map((photo) => [photo.id, photo]));
  const groups = findObservationGroups(photos, library, settings);
  const labelsCache = new Map<number, string[] | null>();
  return { groups, observations: groups.map((members) => summariseGroup(members.map((id) => byId.get(id)!), library, labelsCache)), photos: byId };
}

/** Recomputes and stores the observation groups of the whole library; returns every observation (singletons included). */
export function refreshObservationGroups(library: Library, settings: GeoSettings): ObservationGroup[] {
  const { groups, observations } = computeObservations(library, settings);
  library.observations.replaceAll(groups.filter((members) => members.length > 1));
  return observations;
}

/** The observation a photo belongs to (after the last refresh), summarised. */
export function observationOf(library: Library, photoId: number): ObservationGroup | null {
  const members = library.observations.membersWith(photoId).map((id) => library.photos.get(id)).filter((photo) => photo !== null);
  return members.length ? summariseGroup(members, library) : null;
}

/** One decision for the whole observation: the same review recorded for every photo of the group, in one transaction. */
export function reviewObservation(library: Library, photoId: number, review: Omit<NewReview, 'photoId'>): ReviewRow[] {
  return library.reviews.recordMany(library.observations.membersWith(photoId).map((id) => ({ ...review, photoId: id })));
}
