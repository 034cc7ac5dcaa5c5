import type { ProvidedServices } from "./types";

export type { ProvidedServices };

declare module "vitest" {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}
