/**
 * The species / watch list as events: saving a species' entry is a 'species-list' event
 * (entity: the species name; action 'saved' with watchList, priority, minScore, alertsOn,
 * canOccur, note and `supersedes`), taking it off the list is 'removed'. species_list is their
 * projection: the latest standing event wins (see superseding-events.ts), so two stations that
 * changed one entry apart end with the same entry whichever bundle arrives first.
 */
export const SPECIES_LIST_ENTITY = 'species-list';
