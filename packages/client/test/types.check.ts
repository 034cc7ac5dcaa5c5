import type { MemoriaClient } from "../src/index.js";

/** Compile-time checks (`pnpm --filter @memoria/client typecheck`): each line must not compile, so the types are real. */
export function typeChecks(c: MemoriaClient): void {
  // @ts-expect-error: no such path in the document
  void c.GET("/memories");
  // @ts-expect-error: `y` is a number
  void c.POST("/memory", { body: { text: "x", y: "high" } });
  // @ts-expect-error: the path parameter is required
  void c.GET("/memory/{id}", {});
}
