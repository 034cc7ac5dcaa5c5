import { type ConfigIssue, isSecretKey, ProblemError } from "@memoria/sync-core";

/** Every settings refusal: a 400 naming each key and what would work; nothing was saved. */
export function rejected(errors: { field: string; message: string }[]): ProblemError {
  return new ProblemError(400, { detail: "settings rejected; nothing was changed", errors });
}

/** A `ConfigError`'s issues as a refusal; a value is shown only when its key is not a secret. */
export function rejectedIssues(issues: readonly ConfigIssue[]): ProblemError {
  return rejected(
    issues.map((issue) => ({
      field: issue.key,
      message:
        isSecretKey(issue.key) || issue.origin === undefined
          ? issue.message
          : `${issue.message} (got ${JSON.stringify(issue.origin.raw)})`,
    })),
  );
}
