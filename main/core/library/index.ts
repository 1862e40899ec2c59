export { Library, type LibraryStats, type SpeciesSummary } from './library.js';
export type { FileOutcome } from './imports-store.js';
export type { NewPhoto } from './photos-store.js';
export { rankClasses, type NewPrediction, type PredictionRow } from './predictions-store.js';
export type { NewReview, ReviewRow } from './reviews-store.js';
export * from './types.js';
