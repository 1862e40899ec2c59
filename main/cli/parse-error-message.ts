/**
 * Says what was wrong with a command line that node:util parseArgs refused, in the station's
 * words: an unknown option is named with the closest option the command has ("did you mean"),
 * instead of parseArgs' advice about positionals starting with '-'.
 */
export function parseErrorMessage(error: { code?: unknown; message: string }, commandName: string, optionNames: readonly string[]): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const closest = closestOption(unknown.replace(/^-+/, ''), optionNames);
    return `unknown option ${unknown}${closest ? ` (did you mean --${closest}?)` : ''}. See: invasives ${commandName} --help`;
  }
  return `${error.message} See: invasives ${commandName} --help`;
}

function closestOption(typed: string, optionNames: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of optionNames) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(typed.length / 3)) ? best.name : undefined;
}

/** Levenshtein distance, with a swap of two neighbouring letters counted as one edit. */
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}
