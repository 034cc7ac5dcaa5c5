/** Sum of a Prometheus metric's samples whose labels include `match`. */
export function metricValue(
  text: string,
  name: string,
  match: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const parsed = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!parsed || parsed[1] !== name) continue;
    const labels = Object.fromEntries(
      [...(parsed[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += Number(parsed[4]);
  }
  return total;
}
