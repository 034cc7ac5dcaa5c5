import type { ProvidedServices } from "@memoria/local-services/testing/types";

// This package resolves its own copy of vitest, so it declares the injected context itself.
declare module "vitest" {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}
