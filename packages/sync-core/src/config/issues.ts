/** Where one value came from, named as an operator would look for it. */
export interface ValueOrigin {
  /** `memoria.toml`, `MEMORIA_SYNC__PRIVACY_FLOOR`, `PATCH /settings`, … */
  source: string;
  /** The value as that source wrote it (env values are strings). */
  raw: unknown;
  layer: "toml" | "env" | "override";
}

export interface ConfigIssue {
  /** Dotted key, `sync.privacy_floor`, `regions[0].lat`. */
  key: string;
  message: string;
  origin?: ValueOrigin;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** `sync.privacy_floor = -40 (from MEMORIA_SYNC__PRIVACY_FLOOR): must be between -15 and 15` */
export function formatIssue(issue: ConfigIssue): string {
  if (!issue.origin) return `${issue.key}: ${issue.message}`;
  const raw = issue.origin.raw;
  const shown = typeof raw === "string" && issue.origin.layer === "env" ? raw : JSON.stringify(raw);
  return `${issue.key} = ${shown} (from ${issue.origin.source}): ${issue.message}`;
}
