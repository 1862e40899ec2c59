import type { ExpressionSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { FeatureCollection, Point } from 'geojson';
import type { MapPoint } from '../../../../main/api/contract.js';

/**
 * The photos as WebGL layers: one clustered GeoJSON source; clusters sum a count per species
 * (MapLibre clusterProperties) and are coloured by their majority species; single photos are
 * filled when a ranger confirmed them, rings when only predicted, grey when of no known
 * species; photos behind open alerts get a red halo.
 */
export const PHOTO_SOURCE = 'photos';
/** Species beyond this many (the most frequent) share the "other species" colour in clusters. */
export const CLUSTER_SPECIES = 12;
const OTHER_COLOUR = '#7a7a7a';
const UNKNOWN_COLOUR = '#9a9a9a';

/** The species colour as MapLibre parses it (the same hue as speciesColour() elsewhere in the UI). */
export function mapColour(species: string | null): string {
  if (!species) return UNKNOWN_COLOUR;
  let hash = 0;
  for (let i = 0; i < species.length; i++) hash = (hash * 31 + species.charCodeAt(i)) >>> 0;
  return `hsl(${hash % 360}, 65%, 42%)`;
}

/** The most frequent species first: their index is what clusters count. */
export function speciesPalette(points: readonly MapPoint[], size = CLUSTER_SPECIES): string[] {
  const counts = new Map<string, number>();
  for (const point of points) if (point.species) counts.set(point.species, (counts.get(point.species) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, size).map(([species]) => species);
}

export interface PhotoLayerFilter {
  confirmed: boolean;
  predicted: boolean;
  unknowns: boolean;
}

export function photoCollection(points: readonly MapPoint[], palette: readonly string[], alertPhotoIds: ReadonlySet<number>, show: PhotoLayerFilter): FeatureCollection<Point> {
  const index = new Map(palette.map((species, i) => [species, i]));
  const features: FeatureCollection<Point>['features'] = [];
  for (const point of points) {
    // Unknowns: no species (none predicted, or rejected), or judged "possibly new species" by the open set.
    const unknown = point.species === null || point.unknown;
    if (unknown ? !show.unknowns : point.confirmed ? !show.confirmed : !show.predicted) continue;
    features.push({
      type: 'Feature',
      id: point.id,
      geometry: { type: 'Point', coordinates: [point.lon, point.lat] },
      properties: {
        id: point.id,
        species: point.species ?? 'no species',
        si: unknown ? -2 : (index.get(point.species!) ?? -1),
        confirmed: point.confirmed,
        unknown,
        alert: alertPhotoIds.has(point.id),
        colour: mapColour(point.species),
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Per-cluster sums: s0..sN (photos of each palette species), other, alerts. */
export function clusterProperties(palette: readonly string[]): Record<string, unknown> {
  const sums: Record<string, unknown> = {};
  palette.forEach((_, i) => (sums[`s${i}`] = ['+', ['case', ['==', ['get', 'si'], i], 1, 0]]));
  sums.other = ['+', ['case', ['<', ['get', 'si'], 0], 1, 0]];
  sums.alerts = ['+', ['case', ['get', 'alert'], 1, 0]];
  return sums;
}

/** A cluster's colour: its majority species' (ties go to the more frequent species overall), grey when "other" leads. */
export function majorityColourExpression(palette: readonly string[]): ExpressionSpecification {
  if (palette.length === 0) return ['literal', OTHER_COLOUR] as unknown as ExpressionSpecification;
  const count = (i: number): ExpressionSpecification => ['get', `s${i}`];
  const cases: unknown[] = [];
  palette.forEach((species, i) => {
    const beatsOthers = palette.map((_, j) => (j === i ? null : ['>=', count(i), count(j)])).filter((test) => test !== null);
    cases.push(['all', ['>', count(i), ['get', 'other']], ...beatsOthers], mapColour(species));
  });
  return ['case', ...cases, OTHER_COLOUR] as unknown as ExpressionSpecification;
}

export const IS_CLUSTER: ExpressionSpecification = ['has', 'point_count'];
export const IS_SINGLE: ExpressionSpecification = ['!', ['has', 'point_count']];
