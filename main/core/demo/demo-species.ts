/**
 * The demo's made-up world: three "species", each drawn as a synthetic picture with its own
 * dominant colour, so that a tiny generated model can tell them apart. Real plant names are
 * used so the screens look like the real thing; the pictures are NOT photos of these plants.
 */
export interface DemoSpecies {
  label: string;
  /** Dominant RGB colour of its synthetic pictures (0..255). */
  colour: [number, number, number];
  info: string;
}

export const DEMO_SPECIES: readonly DemoSpecies[] = [
  { label: 'Fallopia japonica', colour: [40, 150, 50], info: 'DEMO: drawn as large green shapes' },
  { label: 'Heracleum mantegazzianum', colour: [235, 235, 220], info: 'DEMO: drawn as white umbels' },
  { label: 'Impatiens glandulifera', colour: [220, 70, 170], info: 'DEMO: drawn as pink flowers' },
];

/** A fictional park, in the Alps, where the demo photos are "taken". */
export const DEMO_PARK_CENTRE = { latitude: 46.5405, longitude: 7.9636 };
