import type { CliCommand } from '../command.js';

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'what the library holds: photos, reviews, species, imports',
  usage: `invasives stats [--db FILE] [--json]`,
  options: {},
  async run(context) {
    const library = context.library.open('read');
    try {
      const stats = library.stats();
      const species = library.speciesSummary();
      const imports = library.imports.list();
      if (context.json) {
        context.stdout.write(`${JSON.stringify({ databasePath: library.databasePath, ...stats, species, imports }, null, 2)}\n`);
        return 0;
      }
      const lines = [
        `Library ${library.databasePath}`,
        `  ${stats.photos} photos (${stats.withGps} with GPS, ${stats.withPrediction} classified, ${stats.reviewed} reviewed)`,
        `  review status: ${Object.entries(stats.byStatus).map(([status, n]) => `${status} ${n}`).join(', ') || 'none'}`,
        `  active model: ${stats.activeModel ?? 'none'}`,
        `  ${stats.imports} imports${imports[0] ? `, latest #${imports[0].id} ${imports[0].state} (${imports[0].rootPath})` : ''}`,
      ];
      if (species.length) {
        lines.push('  species                          photos  confirmed  first seen                 last seen');
        for (const s of species) {
          lines.push(`  ${s.species.padEnd(32)} ${String(s.photos).padStart(6)}  ${String(s.confirmed).padStart(9)}  ${(s.firstSeen ?? '-').padEnd(25)}  ${s.lastSeen ?? '-'}`);
        }
      }
      context.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
