import { loadZonesFile, ZoneIndex } from '../../core/geo/zones.js';
import { type CliCommand, usageError } from '../command.js';
import { refreshAndReport } from './alerts.js';

export const zonesCommand: CliCommand = {
  name: 'zones',
  summary: 'load the park boundary and management zones (GeoJSON), list them',
  usage: `invasives zones load <file.geojson> [--park] [--name-property NAME] [--db FILE] [--json]
invasives zones [list]

Loads WGS84 GeoJSON (Polygon or MultiPolygon features; holes are respected). Without --park
the features are the management zones, named by their "name" property (or --name-property)
and replacing the zones loaded before. With --park the file is the park boundary: photos
outside it are "outside the park". Alerts are refreshed after loading.`,
  options: {
    park: { type: 'boolean', default: false },
    'name-property': { type: 'string' },
  },
  async run(context) {
    const [action = 'list', file] = context.positionals;
    const library = context.library.open(action === 'list' ? 'read' : 'write');
    try {
      if (action === 'load') {
        if (!file) {
          throw usageError('which file? Usage: invasives zones load <file.geojson> [--park]');
        }
        const kind = context.options.park ? 'park' : 'zone';
        const zones = loadZonesFile(library, file, kind, (context.options['name-property'] as string | undefined) ?? 'name');
        if (!context.json) context.stdout.write(`Loaded ${zones.length} ${kind === 'park' ? 'park boundary' : 'zone(s)'}: ${zones.map((zone) => zone.name).join(', ')}\n`);
        const result = refreshAndReport(library, context);
        if (context.json) context.stdout.write(`${JSON.stringify({ zones: zones.map(({ id, kind, name, bbox }) => ({ id, kind, name, bbox })), alerts: result }, null, 2)}\n`);
        return 0;
      }
      if (action !== 'list') {
        throw usageError(`unknown action "${action}" (load, list).`);
      }
      const zones = library.zones.list();
      const index = new ZoneIndex(zones);
      const counts = new Map<string, number>();
      for (const photo of library.photos.iterate({ hasGps: true })) {
        const label = index.locate(photo.latitude!, photo.longitude!).label;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
      if (context.json) {
        context.stdout.write(`${JSON.stringify({ zones: zones.map(({ id, kind, name, bbox }) => ({ id, kind, name, bbox })), photosByPlace: Object.fromEntries(counts) }, null, 2)}\n`);
      } else if (zones.length === 0) {
        context.stdout.write('No zones loaded (invasives zones load <file.geojson> [--park]).\n');
      } else {
        for (const zone of zones) context.stdout.write(`${zone.kind === 'park' ? 'park' : 'zone'}  ${zone.name}  (${counts.get(zone.name) ?? 0} photos)\n`);
        for (const [label, count] of counts) if (!zones.some((zone) => zone.name === label)) context.stdout.write(`      ${label}  (${count} photos)\n`);
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
