import { DATASET_LICENCES, DATASET_METADATA_KEYS, type DatasetMetadata, readDatasetMetadata, updateDatasetMetadata } from '../../core/geo/dataset-metadata.js';
import { type CliCommand, usageError } from '../command.js';

/** --kebab-case option of each dataset setting. */
const OPTION_OF: Record<keyof DatasetMetadata, string> = {
  title: 'title',
  description: 'description',
  publisher: 'publisher',
  contactName: 'contact-name',
  contactEmail: 'contact-email',
  licence: 'licence',
  geographicDescription: 'geographic-description',
  mediaBaseUrl: 'media-base-url',
  recordedBy: 'recorded-by',
  language: 'language',
};

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: 'the published dataset\'s metadata (title, licence, publisher, contact) for the Darwin Core Archive',
  usage: `invasives dataset [show] [--db FILE] [--json]
invasives dataset set [--title T] [--description D] [--publisher ORG] [--contact-name NAME]
                      [--contact-email ADDRESS] [--licence ${Object.keys(DATASET_LICENCES).join('|')}]
                      [--geographic-description TEXT] [--media-base-url URL] [--recorded-by NAME] [--language en]

What eml.xml of 'export --format dwca' says about the dataset; kept in the library. The
licence is one of the three GBIF accepts (CC-BY-4.0 unless set). --media-base-url: where
the archive's media/ folder is published (multimedia rows then point at URL/media/<id>.jpg).
An empty value ("") clears a setting back to its default.`,
  options: Object.fromEntries(Object.values(OPTION_OF).map((name) => [name, { type: 'string' as const }])),
  async run(context) {
    const action = context.positionals[0] ?? 'show';
    if (action !== 'show' && action !== 'set') {
      throw usageError(`unknown action "${action}" (show or set).`);
    }
    const library = context.library.open(action === 'set' ? 'write' : 'read');
    try {
      let metadata = readDatasetMetadata(library);
      if (action === 'set') {
        const changes: Partial<Record<keyof DatasetMetadata, string | null>> = {};
        for (const key of DATASET_METADATA_KEYS) {
          const value = context.options[OPTION_OF[key]];
          if (typeof value === 'string') changes[key] = value;
        }
        if (Object.keys(changes).length === 0) {
          throw usageError('nothing to set (see --help for the settings).');
        }
        metadata = updateDatasetMetadata(library, changes);
      }
      if (context.json) context.stdout.write(`${JSON.stringify(metadata, null, 2)}\n`);
      else for (const key of DATASET_METADATA_KEYS) context.stdout.write(`${OPTION_OF[key].padEnd(24)} ${metadata[key] ?? '(not set)'}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
