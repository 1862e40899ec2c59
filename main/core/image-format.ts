/**
 * The photo formats the station imports. Its own module because the vision code detects
 * them and the library stores them, and the library must not depend on vision.
 */
export type ImageFormat = 'jpeg' | 'png' | 'tiff' | 'heif' | 'webp';
