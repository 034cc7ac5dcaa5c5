/** A scrape, read back: each sample's name, labels and value, and each family's `# TYPE`. */
export interface Scrape {
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
  types: Map<string, string>;
}

export function parseExposition(text: string): Scrape {
  const scrape: Scrape = { samples: [], types: new Map() };
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) scrape.types.set(type[1] as string, type[2] as string);
    if (line.startsWith("#") || line.trim() === "") continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${line}`);
    const labels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    scrape.samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return scrape;
}

/** Sum of the samples of `name` whose labels include `match`. */
export function sampleSum(
  scrape: Scrape,
  name: string,
  match: Record<string, string> = {},
): number {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
