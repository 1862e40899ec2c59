/** A stable colour per species name, so a species looks the same on every screen. */
export function speciesColour(species: string | null): string {
  if (!species) return '#8a8a8a';
  let hash = 0;
  for (let i = 0; i < species.length; i++) hash = (hash * 31 + species.charCodeAt(i)) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '–' : `${(score * 100).toFixed(1)}%`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
