import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { registerCreateMemory } from "./create.js";
import { registerReadMemory } from "./read.js";
import { registerWriteMemory } from "./write.js";

export function registerMemoryRoutes(app: Hono<HonoEnv>): void {
  registerCreateMemory(app);
  registerReadMemory(app);
  registerWriteMemory(app);
}
