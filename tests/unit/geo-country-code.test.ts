import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countryCodeAt } from '../../main/core/geo/country-code.js';

test('countryCode is found offline from the coordinates, well inside a country', () => {
  assert.equal(countryCodeAt(46.7, 10.2), 'CH', 'Swiss National Park');
  assert.equal(countryCodeAt(48.85, 2.35), 'FR', 'Paris');
  assert.equal(countryCodeAt(-33.96, 18.41), 'ZA', 'Table Mountain, southern and eastern hemispheres');
  assert.equal(countryCodeAt(-22.9, -43.2), 'BR', 'Rio de Janeiro, southern and western hemispheres');
});

test('countryCode is left empty within a few kilometres of another country', () => {
  // Val Müstair, about 1 km from the Italian border.
  assert.equal(countryCodeAt(46.6245, 10.4505), null);
  // Basel, on the French and German borders.
  assert.equal(countryCodeAt(47.56, 7.59), null);
  // The same Basel point with a 100 m buffer: the country itself is known.
  assert.equal(countryCodeAt(47.56, 7.59, 100), 'CH');
});
