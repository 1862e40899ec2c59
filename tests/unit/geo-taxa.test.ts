import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTaxonMappingCsv, resolveTaxon } from '../../main/core/geo/taxa.js';
import type { TaxonMapping } from '../../main/core/library/index.js';
import { rejectsWith } from '../helpers/station-error.js';

const NONE = new Map<string, TaxonMapping>();

test('classes that are scientific names are used as they are, with their rank', () => {
  assert.deepEqual(resolveTaxon('Ailanthus altissima', NONE, 'Plantae'), { scientificName: 'Ailanthus altissima', kingdom: 'Plantae', taxonRank: 'species', from: 'label' });
  assert.deepEqual(resolveTaxon('Opuntia_ficus-indica', NONE, 'Plantae'), { scientificName: 'Opuntia ficus-indica', kingdom: 'Plantae', taxonRank: 'species', from: 'label' });
  assert.equal(resolveTaxon('Carpobrotus', NONE, 'Plantae')?.taxonRank, 'genus');
  assert.equal(resolveTaxon('Pinus nigra subsp. salzmannii', NONE, 'Plantae')?.taxonRank, 'subspecies');
});

test('classes that are not scientific names need a mapping', () => {
  for (const label of ['roses', 'dandelion', 'Not a plant', 'ROSES', 'sunflowers']) assert.equal(resolveTaxon(label, NONE, 'Plantae'), null, label);
  const mapping = new Map([['roses', { label: 'roses', scientificName: 'Rosa', kingdom: null, taxonRank: 'genus', vernacularName: 'rose' }]]);
  assert.deepEqual(resolveTaxon('roses', mapping, 'Plantae'), { scientificName: 'Rosa', kingdom: 'Plantae', taxonRank: 'genus', from: 'mapping' });
});

test('a mapping CSV with a BOM and Darwin Core column names is read', () => {
  const rows = parseTaxonMappingCsv('\uFEFFlabel,scientificName,kingdom,taxonRank,vernacularName\nroses,Rosa,Plantae,Genus,rose\n', 'taxa.csv');
  assert.deepEqual(rows, [{ label: 'roses', scientificName: 'Rosa', kingdom: 'Plantae', taxonRank: 'genus', vernacularName: 'rose' }]);
});

test('bad mapping rows are refused naming the file, the line and what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['class,scientificName\nroses,\n', /taxa\.csv: line 2 \(class "roses"\) has no scientificName/],
    ['class,scientificName,kingdom\nroses,Rosa,Plants\n', /line 2: kingdom "Plants" is not one of Animalia/],
    ['class,scientificName,taxonRank\nroses,Rosa,clade\n', /line 2: taxonRank "clade" is not one of/],
    ['class,scientificName\nroses,Rosa\nroses,Rosa canina\n', /line 3: class "roses" is mapped twice/],
    ['class,scientificName\n', /no rows/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseTaxonMappingCsv(text, 'taxa.csv'), rejectsWith('TAXON_MAPPING_INVALID', pattern));
});
