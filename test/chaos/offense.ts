/** What the chaos checker finds: one kind of breakage per category, each asserted zero. */

export const CATEGORIES = [
  "lost",
  "diverged",
  "leaked",
  "resurrected",
  "decrement",
  "phantom",
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Offense {
  category: Category;
  /** A record id, or `mark:<date>` for a decrement mark. */
  id: string;
  region?: "a" | "b";
  why: string;
}
