import type { SourceFile } from './source-files';

/** A run of `size` lines (trimmed, blank lines left out) that occurs more than once. */
export type Repeat = { lines: string[]; at: Array<{ file: string; line: number }> };

/**
 * Finds every window of `size` consecutive non-blank lines (compared trimmed) that occurs in two places or
 * more, across and within files. Overlapping windows of one longer repeat are reported once, by their first window.
 */
export function repeatedBlocks(files: readonly SourceFile[], size = 6): Repeat[] {
  const seen = new Map<string, Array<{ file: string; line: number; index: number }>>();
  for (const file of files) {
    const lines = file.text
      .split('\n')
      .map((text, i) => ({ text: text.trim(), line: i + 1 }))
      .filter((l) => l.text !== '');
    for (let i = 0; i + size <= lines.length; i++) {
      const key = lines
        .slice(i, i + size)
        .map((l) => l.text)
        .join('\n');
      const places = seen.get(key) ?? [];
      places.push({ file: file.path, line: lines[i]?.line ?? 0, index: i });
      seen.set(key, places);
    }
  }
  const repeats: Repeat[] = [];
  const covered = new Set<string>();
  for (const [key, places] of seen) {
    if (places.length < 2) continue;
    const first = places[0] as { file: string; index: number };
    if (covered.has(`${first.file}:${first.index}`)) continue;
    // Mark the following windows of the same repeat, so one long repeated block is one report.
    for (let k = 1; k < size; k++) covered.add(`${first.file}:${first.index + k}`);
    repeats.push({ lines: key.split('\n'), at: places.map(({ file, line }) => ({ file, line })) });
  }
  return repeats;
}
