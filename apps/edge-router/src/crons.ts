/** Every cron the router declares (tested against wrangler.jsonc): a probe sweep, backing up the health object's own alarm. */
export const CRONS = { probe: "* * * * *" } as const;
