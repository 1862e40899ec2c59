import { StationError } from '../../core/errors.js';
import { loadTaxonMapping } from '../../core/geo/taxa.js';
import { type CliCommand, usageError } from '../command.js';

export const taxaCommand: CliCommand = {
  name: 'taxa',
  summary: 'map model classes to taxa (scientificName, kingdom, taxonRank) for Darwin Core',
  usage: `invasives taxa [list] [--db FILE] [--json]
invasives taxa load <file.csv> [--model ID] [--db FILE]

Darwin Core needs a scientific name per occurrence. DEEP-OC's classes already are
scientific names ("Ailanthus altissima": species, kingdom Plantae); other models' classes
("roses", "dandelion") need a mapping CSV with the header

  class,scientificName,kingdom,taxonRank[,vernacularName]

kingdom: ${['Animalia', 'Archaea', 'Bacteria', 'Chromista', 'Fungi', 'Plantae', 'Protozoa', 'Viruses'].join(', ')}; taxonRank: kingdom ... species,
subspecies, variety, form. Every class must be one of the model's (the active model, or
--model ID) or a species name a ranger typed in a correction; a file naming any other class
is refused whole, naming those classes, and nothing is stored. Loading again replaces the rows of the classes it names.`,
  options: { model: { type: 'string' } },
  async run(context) {
    const action = context.positionals[0] ?? 'list';
    const library = context.library.open(action === 'load' ? 'write' : 'read');
    try {
      if (action === 'load') {
        const file = context.positionals[1];
        if (!file) {
          throw usageError('which file? Usage: invasives taxa load <file.csv>');
        }
        const modelOption = context.options.model as string | undefined;
        let model = library.models.active();
        if (modelOption !== undefined) {
          model = library.models.get(Number(modelOption));
          if (!model) throw new StationError('MODEL_NOT_FOUND', `Model ${modelOption} is not in the library (invasives models list shows their ids).`);
        }
        const result = loadTaxonMapping(library, file, model);
        if (context.json) context.stdout.write(`${JSON.stringify({ loaded: result.loaded, modelId: result.model.id }, null, 2)}\n`);
        else context.stdout.write(`${result.loaded} class(es) of ${result.model.name} ${result.model.version} mapped to taxa.\n`);
        return 0;
      }
      if (action !== 'list') {
        throw usageError(`unknown action "${action}" (list or load).`);
      }
      const taxa = library.taxa.list();
      if (context.json) context.stdout.write(`${JSON.stringify(taxa, null, 2)}\n`);
      else if (taxa.length === 0) context.stdout.write('No taxon mapping loaded: classes that are scientific names are used as they are.\n');
      else for (const taxon of taxa) context.stdout.write(`${taxon.label} → ${taxon.scientificName} (${taxon.taxonRank ?? 'rank ?'}, ${taxon.kingdom ?? 'kingdom ?'})\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
