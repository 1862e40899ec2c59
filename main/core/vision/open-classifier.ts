import type { Library } from '../library/index.js';
import type { Settings } from '../settings.js';
import type { PhotoClassifier } from './classifier.js';

export interface OpenClassifierOptions {
  /** A library model id, or a model pack path; absent → the library's active model. */
  model?: string;
  settings: Settings;
}

/**
 * The classifier an import should use, or null when the library has no model yet.
 * (The model runtime plugs in here.)
 */
export async function openClassifier(library: Library, options: OpenClassifierOptions): Promise<PhotoClassifier | null> {
  void library;
  void options;
  return null;
}
