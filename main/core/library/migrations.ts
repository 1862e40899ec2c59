/**
 * Schema migrations, numbered and append-only: migration N brings the database to
 * `PRAGMA user_version = N`. Never edit a migration that has shipped; add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the whole first schema.
  `
  CREATE TABLE models (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    version       TEXT NOT NULL,
    format        TEXT NOT NULL,
    content_hash  TEXT NOT NULL UNIQUE,
    source_path   TEXT NOT NULL,
    labels_json   TEXT NOT NULL,
    label_info_json TEXT,
    preprocessing_json TEXT NOT NULL,
    provenance_json TEXT,
    added_at      TEXT NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1))
  );
  CREATE UNIQUE INDEX models_one_active ON models(is_active) WHERE is_active = 1;

  CREATE TABLE imports (
    id            INTEGER PRIMARY KEY,
    root_path     TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    state         TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'completed', 'cancelled', 'failed')),
    pid           INTEGER,
    model_id      INTEGER REFERENCES models(id) ON DELETE SET NULL,
    files_total   INTEGER NOT NULL DEFAULT 0,
    skipped_json  TEXT NOT NULL DEFAULT '{}',
    error_message TEXT
  );
  CREATE INDEX imports_by_root ON imports(root_path, id);

  CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,
    byte_size     INTEGER NOT NULL,
    format        TEXT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    orientation   INTEGER,
    captured_at   TEXT,
    latitude      REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude     REAL CHECK (longitude BETWEEN -180 AND 180),
    altitude      REAL,
    camera_make   TEXT,
    camera_model  TEXT,
    exif_warning  TEXT,
    first_import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    added_at      TEXT NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
  );
  CREATE INDEX photos_by_capture ON photos(captured_at);

  -- Every place a photo was seen: the same bytes on two cards are one photo with two paths.
  CREATE TABLE photo_paths (
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    import_id     INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    seen_at       TEXT NOT NULL,
    PRIMARY KEY (photo_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX photo_paths_by_path ON photo_paths(path);

  -- The work list of one import: written once after the scan, then each file is
  -- marked done or failed in the same transaction that stores its photo. A killed
  -- import resumes from the files still pending.
  CREATE TABLE import_files (
    import_id     INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    outcome       TEXT CHECK (outcome IN ('new', 'duplicate', 'known')),
    photo_id      INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    error_code    TEXT,
    error_message TEXT,
    PRIMARY KEY (import_id, path)
  ) WITHOUT ROWID;

  CREATE TABLE predictions (
    id            INTEGER PRIMARY KEY,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    top_label     TEXT NOT NULL,
    top_score     REAL NOT NULL,
    margin        REAL NOT NULL,
    top_k_json    TEXT NOT NULL,
    probabilities BLOB NOT NULL,
    embedding     BLOB,
    created_at    TEXT NOT NULL,
    UNIQUE (photo_id, model_id)
  );
  CREATE INDEX predictions_by_model ON predictions(model_id, top_label);

  -- Review history: append-only; a photo's current decision is its newest row.
  CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    decision      TEXT NOT NULL CHECK (decision IN ('confirmed', 'corrected', 'rejected', 'unsure')),
    species       TEXT,
    note          TEXT,
    reviewer      TEXT,
    prediction_id INTEGER REFERENCES predictions(id) ON DELETE SET NULL,
    decided_at    TEXT NOT NULL,
    CHECK (decision NOT IN ('confirmed', 'corrected') OR species IS NOT NULL)
  );
  CREATE INDEX reviews_by_photo ON reviews(photo_id, id);
  `,
  // 2: the compiled ONNX file a model runs from, so a model keeps working after its pack's
  // original files (a USB stick, a downloaded archive) are gone.
  `
  ALTER TABLE models ADD COLUMN onnx_path TEXT;
  `,
  // 3: geography and early alerts: park boundary and management zones, positions set by GPX
  // or by hand (EXIF stays in photos), past records (baseline), observation groups, alerts.
  `
  CREATE TABLE zones (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('park', 'zone')),
    name          TEXT NOT NULL,
    geometry_json TEXT NOT NULL,
    bbox_json     TEXT NOT NULL,
    source_path   TEXT,
    loaded_at     TEXT NOT NULL
  );

  -- A position that is not from EXIF: a GPX track match or a ranger's placement on the map.
  CREATE TABLE photo_positions (
    photo_id      INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    latitude      REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude     REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    source        TEXT NOT NULL CHECK (source IN ('gpx', 'manual')),
    detail        TEXT,
    set_at        TEXT NOT NULL
  );

  -- Records known before the station (surveys, herbarium, GBIF): places that must not alert.
  CREATE TABLE baseline_records (
    id            INTEGER PRIMARY KEY,
    species       TEXT NOT NULL,
    latitude      REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude     REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    observed_on   TEXT,
    source_path   TEXT,
    imported_at   TEXT NOT NULL,
    UNIQUE (species, latitude, longitude, observed_on)
  );

  -- Near-duplicate photos (bursts) grouped as one observation; group_id is its smallest photo id.
  CREATE TABLE observation_members (
    photo_id      INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL
  );
  CREATE INDEX observation_members_by_group ON observation_members(group_id);

  -- One alert per (kind, species, place): raised once, its state kept across re-imports.
  CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('new-species', 'new-zone', 'new-cell', 'surge')),
    species       TEXT NOT NULL,
    place_key     TEXT NOT NULL,
    place_label   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'acknowledged', 'dismissed')),
    confirmed     INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    dismiss_reason TEXT,
    detail_json   TEXT NOT NULL DEFAULT '{}',
    raised_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (kind, species, place_key),
    CHECK (state <> 'dismissed' OR dismiss_reason IS NOT NULL)
  );
  CREATE TABLE alert_photos (
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, photo_id)
  ) WITHOUT ROWID;
  CREATE INDEX alert_photos_by_photo ON alert_photos(photo_id);
  `,
  // 4: open-set verdicts, model calibrations, alert triage, species lists, station settings and who decided (i11alerts)
  `
  -- The open-set verdict of each prediction, judged when it is made (NULL: its model has no calibration).
  ALTER TABLE predictions ADD COLUMN open_set_unknown INTEGER CHECK (open_set_unknown IN (0, 1));
  ALTER TABLE predictions ADD COLUMN open_set_basis TEXT;
  ALTER TABLE predictions ADD COLUMN open_set_distance REAL;
  ALTER TABLE predictions ADD COLUMN open_set_max_probability REAL;
  ALTER TABLE predictions ADD COLUMN open_set_distance_threshold REAL;
  ALTER TABLE predictions ADD COLUMN open_set_probability_threshold REAL;

  -- A model's open-set calibration: from its training, from the library's confirmed photos or a labelled folder.
  CREATE TABLE model_calibrations (
    model_id       INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    source         TEXT NOT NULL CHECK (source IN ('training', 'library', 'folder')),
    calibration_json TEXT NOT NULL,
    summary_json   TEXT NOT NULL DEFAULT '{}',
    calibrated_by  TEXT,
    calibrated_at  TEXT NOT NULL
  );
  INSERT INTO model_calibrations (model_id, source, calibration_json, calibrated_at)
    SELECT id, 'training', json_extract(provenance_json, '$.openSet'), added_at FROM models
    WHERE provenance_json IS NOT NULL AND json_extract(provenance_json, '$.openSet.method') = 'nearest-centroid-cosine';

  -- Who decided, from which station.
  ALTER TABLE reviews ADD COLUMN station TEXT;

  -- Alerts rebuilt for the new kinds and triage columns (the kind CHECK cannot be altered in place);
  -- alert_photos is set aside first so that dropping alerts cascades nothing.
  CREATE TABLE alert_photos_kept AS SELECT alert_id, photo_id FROM alert_photos;
  DROP TABLE alert_photos;
  CREATE TABLE alerts_rebuilt (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('new-species', 'new-zone', 'new-cell', 'spread', 'near-boundary', 'surge', 'unknown-organism')),
    species       TEXT NOT NULL,
    place_key     TEXT NOT NULL,
    place_label   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'acknowledged', 'dismissed')),
    confirmed     INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    dismiss_reason TEXT,
    detail_json   TEXT NOT NULL DEFAULT '{}',
    raised_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    zone_name     TEXT,
    cell_key      TEXT,
    seen_at       TEXT,
    auto_closed   INTEGER NOT NULL DEFAULT 0 CHECK (auto_closed IN (0, 1)),
    decided_by    TEXT,
    decided_station TEXT,
    decided_at    TEXT,
    UNIQUE (kind, species, place_key),
    CHECK (state <> 'dismissed' OR dismiss_reason IS NOT NULL)
  );
  INSERT INTO alerts_rebuilt (id, kind, species, place_key, place_label, state, confirmed, dismiss_reason, detail_json, raised_at, updated_at,
                              cell_key, seen_at)
    SELECT id, kind, species, place_key, place_label, state, confirmed, dismiss_reason, detail_json, raised_at, updated_at,
           CASE WHEN kind = 'new-cell' THEN place_key END, CASE WHEN state <> 'new' THEN updated_at END FROM alerts;
  DROP TABLE alerts;
  ALTER TABLE alerts_rebuilt RENAME TO alerts;
  CREATE TABLE alert_photos (
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, photo_id)
  ) WITHOUT ROWID;
  INSERT INTO alert_photos SELECT alert_id, photo_id FROM alert_photos_kept WHERE photo_id IN (SELECT id FROM photos);
  DROP TABLE alert_photos_kept;
  CREATE INDEX alert_photos_by_photo ON alert_photos(photo_id);

  -- The watch list and the park's species list: one row per species the rangers said something about.
  CREATE TABLE species_list (
    species       TEXT PRIMARY KEY,
    watch_list    INTEGER NOT NULL DEFAULT 0 CHECK (watch_list IN (0, 1)),
    priority      INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    min_score     REAL CHECK (min_score IS NULL OR min_score BETWEEN 0 AND 1),
    alerts_on     INTEGER NOT NULL DEFAULT 1 CHECK (alerts_on IN (0, 1)),
    can_occur     INTEGER NOT NULL DEFAULT 1 CHECK (can_occur IN (0, 1)),
    note          TEXT,
    updated_by    TEXT,
    updated_at    TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Settings kept in the library (station name, alert order, buffers): one JSON value per key.
  CREATE TABLE station_settings (
    key           TEXT PRIMARY KEY,
    value_json    TEXT NOT NULL,
    updated_by    TEXT,
    updated_at    TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 5: park basemaps kept beside the library, and the uncertainty of hand placements (i14map)
  `
  -- Basemap files (MBTiles, PMTiles) copied into <library>.basemaps/; the row keeps what the file declared.
  CREATE TABLE basemaps (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('mbtiles', 'pmtiles')),
    tile_type     TEXT NOT NULL CHECK (tile_type IN ('png', 'jpeg', 'webp', 'mvt')),
    file_name     TEXT NOT NULL UNIQUE,
    content_hash  TEXT NOT NULL UNIQUE,
    source_path   TEXT NOT NULL,
    bounds_json   TEXT NOT NULL,
    min_zoom      INTEGER NOT NULL,
    max_zoom      INTEGER NOT NULL,
    vector_layers_json TEXT,
    attribution   TEXT,
    byte_size     INTEGER NOT NULL,
    added_at      TEXT NOT NULL
  );
  -- Metres within which a hand placement is known (from the map's zoom, or as typed); NULL: the source's default.
  ALTER TABLE photo_positions ADD COLUMN uncertainty_m REAL CHECK (uncertainty_m IS NULL OR uncertainty_m > 0);
  `,
  // 6: the station's identity and the append-only event log that stations merge by (lead)
  `
  -- One row: this library's station id, a random UUID made once; records born here carry it as their origin.
  CREATE TABLE station_identity (
    singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
    station_id    TEXT NOT NULL,
    created_at    TEXT NOT NULL
  );
  INSERT INTO station_identity (singleton, station_id, created_at)
    VALUES (1, lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
                     substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

  -- Every decision and state change on a record that travels between stations, never updated or deleted:
  -- the current state of a record is folded from its events in (occurred_at, event_id) order, so merging
  -- two libraries is the union of their events.
  CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    origin_station TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    action        TEXT NOT NULL,
    payload_json  TEXT NOT NULL DEFAULT '{}',
    ranger        TEXT,
    reason        TEXT,
    occurred_at   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
  );
  CREATE INDEX events_by_entity ON events(entity_type, entity_id, occurred_at, event_id);
  CREATE INDEX events_by_origin ON events(origin_station, seq);
  CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  `,
  // 7: invasive-plant sites, their treatments and re-check visits (projections of the event log), photo links, regrowth alerts (i15)
  `
  -- Each row is folded from the site's events (and its treatments' and visits'); state_json holds the whole fold.
  CREATE TABLE sites (
    id            TEXT PRIMARY KEY,
    origin_station TEXT NOT NULL,
    species       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('reported', 'confirmed', 'treatment-planned', 'treated', 'regrowth', 'clean', 'eradicated')),
    centroid_latitude  REAL NOT NULL,
    centroid_longitude REAL NOT NULL,
    min_latitude  REAL NOT NULL,
    min_longitude REAL NOT NULL,
    max_latitude  REAL NOT NULL,
    max_longitude REAL NOT NULL,
    area_m2       REAL NOT NULL,
    first_record_on TEXT NOT NULL,
    last_treated_on TEXT,
    next_due_on   TEXT,
    state_json    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX sites_by_due ON sites(next_due_on);
  CREATE TABLE treatments (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL,
    origin_station TEXT NOT NULL,
    treated_on    TEXT NOT NULL,
    method        TEXT NOT NULL,
    record_json   TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX treatments_by_site ON treatments(site_id, treated_on);
  CREATE TABLE visits (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL,
    origin_station TEXT NOT NULL,
    visited_on    TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('clean', 'regrowth')),
    record_json   TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX visits_by_site ON visits(site_id, visited_on);
  -- Photos inside a site's extent plus its buffer (local photo ids; recomputed after imports and placements).
  CREATE TABLE site_photos (
    site_id       TEXT NOT NULL,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, photo_id)
  ) WITHOUT ROWID;
  CREATE INDEX site_photos_by_photo ON site_photos(photo_id);

  -- Alerts rebuilt once more for the 'regrowth' kind (the kind CHECK cannot be altered in place).
  CREATE TABLE alert_photos_kept AS SELECT alert_id, photo_id FROM alert_photos;
  DROP TABLE alert_photos;
  CREATE TABLE alerts_rebuilt (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('new-species', 'new-zone', 'new-cell', 'spread', 'near-boundary', 'surge', 'unknown-organism', 'regrowth')),
    species       TEXT NOT NULL,
    place_key     TEXT NOT NULL,
    place_label   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'acknowledged', 'dismissed')),
    confirmed     INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    dismiss_reason TEXT,
    detail_json   TEXT NOT NULL DEFAULT '{}',
    raised_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    zone_name     TEXT,
    cell_key      TEXT,
    seen_at       TEXT,
    auto_closed   INTEGER NOT NULL DEFAULT 0 CHECK (auto_closed IN (0, 1)),
    decided_by    TEXT,
    decided_station TEXT,
    decided_at    TEXT,
    UNIQUE (kind, species, place_key),
    CHECK (state <> 'dismissed' OR dismiss_reason IS NOT NULL)
  );
  INSERT INTO alerts_rebuilt SELECT id, kind, species, place_key, place_label, state, confirmed, dismiss_reason, detail_json, raised_at, updated_at,
    zone_name, cell_key, seen_at, auto_closed, decided_by, decided_station, decided_at FROM alerts;
  DROP TABLE alerts;
  ALTER TABLE alerts_rebuilt RENAME TO alerts;
  CREATE TABLE alert_photos (
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, photo_id)
  ) WITHOUT ROWID;
  INSERT INTO alert_photos SELECT alert_id, photo_id FROM alert_photos_kept WHERE photo_id IN (SELECT id FROM photos);
  DROP TABLE alert_photos_kept;
  CREATE INDEX alert_photos_by_photo ON alert_photos(photo_id);
  `,
  // 8: citizen intake: submitters, submissions and their photos, folded from events (i16)
  `
  -- A visitor who sent photos, folded from 'submitter' events. credit_name: the name they may be credited with
  -- (only with consent); merged_into: this submitter was merged into another; anonymised: contact removed.
  CREATE TABLE submitters (
    id             TEXT PRIMARY KEY,
    origin_station TEXT NOT NULL,
    credit_name    TEXT,
    merged_into    TEXT,
    anonymised     INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
  );
  -- Personal details stay at this station (never in the event log, which travels and cannot be erased);
  -- anonymising a submitter deletes the row.
  CREATE TABLE submitter_contacts (
    submitter_id   TEXT PRIMARY KEY,
    name           TEXT,
    contact        TEXT
  );
  CREATE INDEX submitter_contacts_by_contact ON submitter_contacts(lower(contact));
  -- One mail or one submitter folder, folded from 'submission' events.
  CREATE TABLE submissions (
    id             TEXT PRIMARY KEY,
    origin_station TEXT NOT NULL,
    submitter_id   TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'folder')),
    licence        TEXT NOT NULL CHECK (licence IN ('CC0-1.0', 'CC-BY-4.0', 'CC-BY-NC-4.0')),
    consent_to_name INTEGER NOT NULL,
    note           TEXT,
    subject        TEXT,
    location_text  TEXT,
    source         TEXT,
    -- The same mail or folder taken in twice is one submission: a hash of what was received.
    source_key     TEXT
  );
  CREATE INDEX submissions_by_source_key ON submissions(source_key);
  CREATE INDEX submissions_by_submitter ON submissions(submitter_id);
  -- Which photos (by content hash: a photo's identity on every station) came with a submission.
  CREATE TABLE submission_photos (
    submission_id  TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    file_name      TEXT,
    PRIMARY KEY (submission_id, sha256)
  );
  CREATE INDEX submission_photos_by_sha256 ON submission_photos(sha256);
  `,
  // 9: capture-time source, stable occurrence ids, dates to re-read after upgrade, taxon mapping, dataset metadata (i11data)
  `
  -- Where captured_at was read (exif:DateTimeOriginal, xmp:..., iptc:..., file:modified); 'exif' for
  -- photos imported before sources were kept, when only EXIF was read.
  ALTER TABLE photos ADD COLUMN captured_at_source TEXT;
  UPDATE photos SET captured_at_source = 'exif' WHERE captured_at IS NOT NULL;
  -- Darwin Core occurrenceID: a UUID per photo, assigned once (photos from before get theirs on open).
  ALTER TABLE photos ADD COLUMN occurrence_id TEXT;
  CREATE UNIQUE INDEX photos_by_occurrence_id ON photos(occurrence_id);
  CREATE INDEX photos_without_occurrence_id ON photos(id) WHERE occurrence_id IS NULL;

  -- Photos imported before XMP and IPTC dates were read, without a capture time: their files are
  -- read again by 'invasives dates reread' (one row deleted per photo done, so it resumes).
  CREATE TABLE capture_time_rereads (
    photo_id      INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE
  );
  INSERT INTO capture_time_rereads (photo_id) SELECT id FROM photos WHERE captured_at IS NULL;

  -- What a model's class is as a taxon, for Darwin Core (scientificName, kingdom, taxonRank).
  CREATE TABLE taxa (
    label         TEXT PRIMARY KEY,
    scientific_name TEXT NOT NULL,
    kingdom       TEXT,
    taxon_rank    TEXT,
    vernacular_name TEXT,
    source_path   TEXT,
    loaded_at     TEXT NOT NULL
  );

  -- The published dataset's metadata (EML title, licence, publisher, contact, media base URL).
  CREATE TABLE dataset_settings (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL
  );
  `,
  // 10: the review grid's capture-time order read straight from an index, so a page stops at its LIMIT (i13)
  `
  CREATE INDEX photos_by_capture_order ON photos((captured_at IS NULL), captured_at, id);
  `,
  // 11: reviews as events, peer stations' watermarks and received bundles (i17)
  `
  -- Each review row is the projection of one 'review' event (entity: the photo's sha256); rows made
  -- before this migration get their event here, in their order, each superseding the one before.
  ALTER TABLE reviews ADD COLUMN event_id TEXT;
  CREATE UNIQUE INDEX reviews_by_event ON reviews(event_id) WHERE event_id IS NOT NULL;
  INSERT INTO events (event_id, origin_station, entity_type, entity_id, action, payload_json, ranger, reason, occurred_at, recorded_at)
    SELECT si.station_id || ':review:' || r.id, si.station_id, 'review', p.sha256, 'decided',
           json_object('decision', r.decision, 'species', r.species, 'note', r.note, 'station', r.station,
                       'supersedes', json(CASE WHEN prev.id IS NULL THEN '[]' ELSE '["' || si.station_id || ':review:' || prev.id || '"]' END)),
           r.reviewer, NULL, r.decided_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM reviews r JOIN photos p ON p.id = r.photo_id CROSS JOIN station_identity si
    LEFT JOIN reviews prev ON prev.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.photo_id = r.photo_id AND r3.id < r.id)
    ORDER BY r.id;
  UPDATE reviews SET event_id = (SELECT station_id FROM station_identity) || ':review:' || id;

  -- Other stations this one exchanged bundles with: how far each has confirmed our events (a receipt
  -- came back), and how far we have received theirs (our receipt to send them).
  CREATE TABLE station_peers (
    station_id       TEXT PRIMARY KEY,
    station_name     TEXT,
    acknowledged_seq INTEGER NOT NULL DEFAULT 0,
    acknowledged_at  TEXT,
    received_seq     INTEGER NOT NULL DEFAULT 0,
    received_bundle_at TEXT,
    updated_at       TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Every bundle or library merged here: from whom, when, what it brought.
  CREATE TABLE bundles_received (
    bundle_id        TEXT PRIMARY KEY,
    source_station   TEXT NOT NULL,
    source_name      TEXT,
    kind             TEXT NOT NULL CHECK (kind IN ('bundle', 'library')),
    file             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    summary_json     TEXT NOT NULL DEFAULT '{}'
  ) WITHOUT ROWID;
  `,
  // 12: placements, the species list and alert states as events; existing rows get theirs (s17events)
  `
  -- photo_positions, species_list and the alerts' ranger states become projections of 'placement',
  -- 'species-list' and 'alert-state' events. Each existing row gets one event, its id made from the
  -- station, the record and the time of the change, so a station that sends the same row from an
  -- older version makes the same event. An alert's event is keyed by kind|species|place_key.
  ALTER TABLE alerts ADD COLUMN state_event_id TEXT;
  INSERT INTO events (event_id, origin_station, entity_type, entity_id, action, payload_json, ranger, reason, occurred_at, recorded_at)
    SELECT si.station_id || ':placement:' || ph.sha256 || ':' || pos.set_at, si.station_id, 'placement', ph.sha256, 'placed',
           json_object('latitude', pos.latitude, 'longitude', pos.longitude, 'source', pos.source, 'detail', pos.detail,
                       'uncertaintyMetres', pos.uncertainty_m, 'supersedes', json('[]')),
           NULL, NULL, pos.set_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM photo_positions pos JOIN photos ph ON ph.id = pos.photo_id CROSS JOIN station_identity si
    ORDER BY pos.photo_id;
  INSERT INTO events (event_id, origin_station, entity_type, entity_id, action, payload_json, ranger, reason, occurred_at, recorded_at)
    SELECT si.station_id || ':species-list:' || sl.species || ':' || sl.updated_at, si.station_id, 'species-list', sl.species, 'saved',
           json_object('watchList', json(CASE WHEN sl.watch_list = 1 THEN 'true' ELSE 'false' END), 'priority', sl.priority,
                       'minScore', sl.min_score, 'alertsOn', json(CASE WHEN sl.alerts_on = 1 THEN 'true' ELSE 'false' END),
                       'canOccur', json(CASE WHEN sl.can_occur = 1 THEN 'true' ELSE 'false' END), 'note', sl.note, 'supersedes', json('[]')),
           sl.updated_by, NULL, sl.updated_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM species_list sl CROSS JOIN station_identity si
    ORDER BY sl.species;
  INSERT INTO events (event_id, origin_station, entity_type, entity_id, action, payload_json, ranger, reason, occurred_at, recorded_at)
    SELECT si.station_id || ':alert-state:' || a.kind || '|' || a.species || '|' || a.place_key || ':' || a.decided_at, si.station_id,
           'alert-state', a.kind || '|' || a.species || '|' || a.place_key,
           CASE a.state WHEN 'acknowledged' THEN 'acknowledged' WHEN 'dismissed' THEN 'dismissed' ELSE 'reopened' END,
           json_object('state', a.state, 'reason', a.dismiss_reason, 'station', a.decided_station, 'supersedes', json('[]')),
           a.decided_by, a.dismiss_reason, a.decided_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM alerts a CROSS JOIN station_identity si
    WHERE a.auto_closed = 0 AND a.decided_at IS NOT NULL
    ORDER BY a.id;
  UPDATE alerts SET state_event_id = (SELECT station_id FROM station_identity) || ':alert-state:' || kind || '|' || species || '|' || place_key || ':' || decided_at
    WHERE auto_closed = 0 AND decided_at IS NOT NULL;
  `,
  // 13: the UI's long jobs (imports, re-classification, training, model compilation) as records, so a backend that stopped mid-job resumes or reports it (s13proc)
  `
  CREATE TABLE job_records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('import', 'classify', 'train', 'compile', 'merge')),
    -- The imported folder (imports), the model pack's name (compilations) or the merged file (merges); NULL otherwise.
    target         TEXT,
    state          TEXT NOT NULL CHECK (state IN ('running', 'finished', 'cancelled', 'failed', 'interrupted')),
    -- The process that ran it: a record left 'running' by a process that is gone was interrupted.
    owner_pid      INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    failure_code   TEXT,
    failure_reason TEXT,
    -- An interrupted import started again: the record of the new run.
    resumed_by     INTEGER REFERENCES job_records(id)
  );
  CREATE INDEX job_records_running ON job_records(state) WHERE state = 'running';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
