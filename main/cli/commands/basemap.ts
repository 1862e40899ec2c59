import { BasemapLibrary } from '../../core/basemaps/basemap-library.js';
import { type CliCommand, usageError } from '../command.js';

function describeBounds([west, south, east, north]: readonly number[]): string {
  return `${south!.toFixed(4)},${west!.toFixed(4)} to ${north!.toFixed(4)},${east!.toFixed(4)}`;
}

export const basemapCommand: CliCommand = {
  name: 'basemap',
  summary: 'add, list or remove the park\'s basemaps (MBTiles, PMTiles; raster or vector)',
  usage: `invasives basemap add <file.mbtiles|file.pmtiles> [--name NAME] [--db FILE] [--json]
invasives basemap [list]
invasives basemap remove <id>

A basemap is the park's own map for the Map screen, the photo view and the printed alert
report: an MBTiles (SQLite) or PMTiles v3 file with raster (PNG, JPEG, WebP) or vector tiles
in Web Mercator, with its bounds declared. The file is checked and copied beside the library
(<library>.basemaps/), so the original may be removed afterwards. Nothing is fetched from the
internet; without a basemap the map shows a world outline.`,
  options: {
    name: { type: 'string' },
  },
  async run(context) {
    const [action = 'list', argument] = context.positionals;
    if (!['add', 'list', 'remove'].includes(action)) throw usageError(`unknown action "${action}" (add, list, remove).`);
    const library = context.library.open(action === 'list' ? 'read' : 'write');
    const basemaps = new BasemapLibrary(library);
    try {
      if (action === 'add') {
        if (!argument) throw usageError('which file? Usage: invasives basemap add <file.mbtiles|file.pmtiles>');
        const row = await basemaps.add(argument, context.options.name as string | undefined);
        if (context.json) context.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
        else context.stdout.write(`Basemap ${row.id} "${row.name}": ${row.format}, ${row.tileType} tiles, zoom ${row.minZoom}-${row.maxZoom}, ${describeBounds(row.bounds)}.\n`);
        return 0;
      }
      if (action === 'remove') {
        const id = Number(argument);
        if (!argument || !Number.isInteger(id) || id <= 0) throw usageError('which basemap? Give its id from `invasives basemap list`.');
        const row = await basemaps.remove(id);
        if (context.json) context.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
        else context.stdout.write(`Basemap ${row.id} "${row.name}" removed.\n`);
        return 0;
      }
      const rows = await basemaps.list();
      if (context.json) context.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) context.stdout.write('No basemap: the map shows the world outline (invasives basemap add <file.mbtiles|file.pmtiles>).\n');
      else {
        for (const row of rows) {
          const state = row.available ? '' : `  UNAVAILABLE: ${row.problem}`;
          context.stdout.write(`${row.id}  ${row.name}  ${row.format} ${row.tileType}  zoom ${row.minZoom}-${row.maxZoom}  ${describeBounds(row.bounds)}${state}\n`);
        }
      }
      return 0;
    } finally {
      await basemaps.close();
      library.close();
    }
  },
};
