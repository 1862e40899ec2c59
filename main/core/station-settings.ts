/**
 * Settings kept in the library (so they travel with it and every program on it agrees): the
 * station's name, the CLI's default ranger, and the alert rules' tunables. Each has a default
 * from settings.ts; `invasives settings set KEY VALUE` or the UI change them.
 */
import { z } from 'zod';
import { StationError } from './errors.js';
import type { Library } from './library/index.js';
import { DEFAULT_ALERT_PRIORITY, DEFAULT_SETTINGS, type AlertKindName, type GeoSettings } from './settings.js';

const kindName = z.enum(DEFAULT_ALERT_PRIORITY as [AlertKindName, ...AlertKindName[]]);

/** Every setting: its schema, what it means, and how a CLI string becomes its value. */
export const STATION_SETTINGS = {
  stationName: {
    schema: z.string().trim().min(1).max(200).nullable(),
    describe: "the station's name, recorded with every decision (exported with identifiedBy)",
    parse: (text: string) => text,
  },
  ranger: {
    schema: z.string().trim().min(1).max(200).nullable(),
    describe: 'the ranger the CLI records decisions for when --ranger is not given',
    parse: (text: string) => text,
  },
  alertPriority: {
    schema: z
      .array(kindName)
      .refine((kinds) => new Set(kinds).size === kinds.length && kinds.length === DEFAULT_ALERT_PRIORITY.length, {
        message: `list every alert kind once: ${DEFAULT_ALERT_PRIORITY.join(',')}`,
      }),
    describe: 'alert kinds, most urgent first (comma-separated)',
    parse: (text: string) => text.split(',').map((part) => part.trim()).filter(Boolean),
  },
  spreadBufferMetres: {
    schema: z.number().min(0).max(100_000),
    describe: 'a first record this close to a known record of the same species is "spread" (metres)',
    parse: Number,
  },
  boundaryBufferMetres: {
    schema: z.number().min(0).max(100_000),
    describe: 'a watch-list species this close to the park boundary raises a near-boundary alert (metres)',
    parse: Number,
  },
  unknownWindowDays: {
    schema: z.number().int().min(1).max(3650),
    describe: 'unknown organisms raise at most one alert per grid cell and this many days',
    parse: Number,
  },
  alertMinScore: {
    schema: z.number().min(0).max(1),
    describe: 'a prediction below this score raises no alert until a ranger confirms it (species may set their own)',
    parse: Number,
  },
} as const;

export type StationSettingKey = keyof typeof STATION_SETTINGS;
export const STATION_SETTING_KEYS = Object.keys(STATION_SETTINGS) as StationSettingKey[];

export interface StationSettingsValues {
  stationName: string | null;
  ranger: string | null;
  alertPriority: AlertKindName[];
  spreadBufferMetres: number;
  boundaryBufferMetres: number;
  unknownWindowDays: number;
  alertMinScore: number;
}

function defaults(geo: GeoSettings): StationSettingsValues {
  return {
    stationName: null,
    ranger: null,
    alertPriority: [...geo.alertPriority],
    spreadBufferMetres: geo.spreadBufferMetres,
    boundaryBufferMetres: geo.boundaryBufferMetres,
    unknownWindowDays: geo.unknownWindowDays,
    alertMinScore: geo.alertMinScore,
  };
}

/** The library's settings over the program's defaults; a stored value that no longer parses is ignored. */
export function readStationSettings(library: Library, geo: GeoSettings = DEFAULT_SETTINGS.geo): StationSettingsValues {
  const values = defaults(geo) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(library.stationSettings.values())) {
    if (!(key in STATION_SETTINGS)) continue;
    // An order stored before a kind existed (e.g. 'regrowth') keeps the ranger's order, the new kinds after it.
    const upgraded = key === 'alertPriority' && Array.isArray(value) ? [...value, ...DEFAULT_ALERT_PRIORITY.filter((kind) => !value.includes(kind))] : value;
    const parsed = STATION_SETTINGS[key as StationSettingKey].schema.safeParse(upgraded);
    if (parsed.success) values[key] = parsed.data;
  }
  return values as unknown as StationSettingsValues;
}

/** The alert rules' settings: the program's, with what the library says on top. */
export function effectiveGeoSettings(library: Library, geo: GeoSettings): GeoSettings {
  const stored = readStationSettings(library, geo);
  return {
    ...geo,
    alertPriority: stored.alertPriority,
    spreadBufferMetres: stored.spreadBufferMetres,
    boundaryBufferMetres: stored.boundaryBufferMetres,
    unknownWindowDays: stored.unknownWindowDays,
    alertMinScore: stored.alertMinScore,
  };
}

function requireKey(key: string): StationSettingKey {
  if (!(key in STATION_SETTINGS)) {
    throw new StationError('INVALID_ARGUMENT', `There is no setting "${key}"; the settings are: ${STATION_SETTING_KEYS.join(', ')}.`);
  }
  return key as StationSettingKey;
}

/** Checks and stores one setting; `value` is a CLI string or an already typed value. Nothing is stored when it is invalid. */
export function setStationSetting(library: Library, key: string, value: unknown, by: string | null = null): StationSettingsValues {
  const name = requireKey(key);
  const setting = STATION_SETTINGS[name];
  const typed = typeof value === 'string' ? (setting.parse as (text: string) => unknown)(value) : value;
  const parsed = setting.schema.safeParse(typed);
  if (!parsed.success) {
    throw new StationError('INVALID_ARGUMENT', `Setting ${name}: ${JSON.stringify(value)} is not valid (${parsed.error.issues.map((issue) => issue.message).join('; ')}); it is ${setting.describe}.`);
  }
  library.stationSettings.set(name, parsed.data, by);
  return readStationSettings(library);
}

export function resetStationSetting(library: Library, key: string): StationSettingsValues {
  library.stationSettings.reset(requireKey(key));
  return readStationSettings(library);
}

/** Who records a decision: the ranger's name (given, else the library's default) and the station's name. */
export interface DecisionMaker {
  ranger: string | null;
  station: string | null;
}

export function decisionMaker(library: Library, ranger?: string | null): DecisionMaker {
  const settings = readStationSettings(library);
  return { ranger: ranger?.trim() || settings.ranger, station: settings.stationName };
}
