import type { ParseArgsConfig } from 'node:util';

/** `-93.7`, `-12`, `-.5`, `-1e3`: a number, never a cluster of short options. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const PLACEHOLDER = '\u0000negative-number-';

/**
 * node:util parseArgs reads `-93.7` as the options -9, -3, -. and -7. Negative numbers are
 * handed to it as placeholders instead (joined to the option before them when that option
 * takes a value: `--clock-offset -30`), and the positionals are given back their numbers.
 */
export function protectNegativeNumbers(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { args: string[]; restore(positionals: string[]): string[] } {
  const numbers: string[] = [];
  const out: string[] = [];
  for (const arg of args) {
    if (!NEGATIVE_NUMBER.test(arg)) {
      out.push(arg);
      continue;
    }
    const previous = out.at(-1);
    const optionName = previous?.startsWith('--') && !previous.includes('=') ? previous.slice(2) : undefined;
    if (optionName && options[optionName]?.type === 'string') {
      out[out.length - 1] = `${previous}=${arg}`;
      continue;
    }
    numbers.push(arg);
    out.push(`${PLACEHOLDER}${numbers.length - 1}`);
  }
  return {
    args: out,
    restore: (positionals) =>
      positionals.map((value) => (value.startsWith(PLACEHOLDER) ? numbers[Number(value.slice(PLACEHOLDER.length))]! : value)),
  };
}
