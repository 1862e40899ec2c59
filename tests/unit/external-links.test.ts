import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wikipediaArticleUrl } from '../../main/api/species-links.js';
import { isWikipediaUrl } from '../../main/electron/security.js';

describe('species links and the Electron external-link check', () => {
  test('a class label becomes its English Wikipedia article, spaces as underscores', () => {
    assert.equal(wikipediaArticleUrl('Acacia dealbata'), 'https://en.wikipedia.org/wiki/Acacia_dealbata');
    assert.equal(wikipediaArticleUrl('  Opuntia  ficus-indica '), 'https://en.wikipedia.org/wiki/Opuntia_ficus-indica');
  });

  test('characters that would change the URL are encoded', () => {
    assert.equal(wikipediaArticleUrl('Fallopia japonica / Reynoutria?'), 'https://en.wikipedia.org/wiki/Fallopia_japonica_%2F_Reynoutria%3F');
    assert.equal(wikipediaArticleUrl('Lantana camara #2'), 'https://en.wikipedia.org/wiki/Lantana_camara_%232');
    assert.ok(isWikipediaUrl(wikipediaArticleUrl('Ailanthus altissima')));
  });

  test('https Wikipedia articles in any language (and mobile) may be opened outside the app', () => {
    assert.ok(isWikipediaUrl('https://en.wikipedia.org/wiki/Acacia_dealbata'));
    assert.ok(isWikipediaUrl('https://de.wikipedia.org/wiki/Robinie'));
    assert.ok(isWikipediaUrl('https://en.m.wikipedia.org/wiki/Arundo_donax'));
    assert.ok(isWikipediaUrl('https://wikipedia.org/'));
  });

  test('other schemes, hosts, look-alikes, credentials and ports are refused', () => {
    for (const url of [
      'http://en.wikipedia.org/wiki/Acacia',
      'https://en.wikipedia.org.evil.example/wiki/Acacia',
      'https://evilwikipedia.org/wiki/Acacia',
      'https://en.wikipedia.org@evil.example/',
      'https://user:pass@en.wikipedia.org/wiki/Acacia',
      'https://en.wikipedia.org:8443/wiki/Acacia',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://station/index.html',
      'https://a.b.c.wikipedia.org/',
      'not a url',
      '',
    ]) {
      assert.equal(isWikipediaUrl(url), false, url);
    }
  });
});
