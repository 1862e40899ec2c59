// The layer rules of STYLE.md, checked by `npm run lint:layers` (and by tests/unit/layers.test.ts, so CI fails
// when one is broken). Arrows point from the importing file to the imported one.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-not-to-outer-layers',
      comment: 'The core is plain Node, testable headless: it never imports the api, the transports or the CLI.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^main/(api|server|electron|cli)/' },
    },
    {
      name: 'core-not-to-electron',
      comment: "In plain Node `import 'electron'` throws: the core must never import it.",
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^electron$|node_modules/electron/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'backend-not-to-transports',
      comment: 'The backend process runs in plain Node (a child process or a utilityProcess): it never imports a host (server, electron, cli) nor the electron module.',
      severity: 'error',
      from: { path: '^main/backend/' },
      to: { path: '^main/(server|electron|cli)/|^electron$|node_modules/electron/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'library-not-to-vision',
      comment: 'The database layer stores what vision produces; shared types live in main/core (image-format.ts, model-identity.ts).',
      severity: 'error',
      from: { path: '^main/core/library/' },
      to: { path: '^main/core/vision/' },
    },
    {
      name: 'learning-not-to-ingest',
      comment: 'Training reads the library and labelled folders; shared helpers (work-queue, scan-folder) live in main/core.',
      severity: 'error',
      from: { path: '^main/core/learning/' },
      to: { path: '^main/core/ingest/' },
    },
    {
      name: 'renderer-only-the-contract',
      comment: 'The renderer runs in a browser: from main/ it imports the contract (main/api/contract.ts) and nothing else.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^main/', pathNot: '^main/api/contract\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.svelte', '.json'] },
  },
};
