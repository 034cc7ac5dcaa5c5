import {
  type LoadConfigInput,
  loadConfig,
  type MemoriaConfig,
  misconfigured,
  ProblemError,
} from "@memoria/sync-core";
import { envSchema, type GatewayEnv, stringVars } from "../env.js";

/** What an isolate derives from its bindings alone: parsed once, not once a request. */
export interface IsolateRuntime {
  env: GatewayEnv;
  /** The loader's input (toml text and string vars), for loading with stored settings. */
  input: LoadConfigInput;
  /** The config from toml and env, before stored settings. */
  base: MemoriaConfig;
  /** Names this runtime's caches: the same bindings give the same key. */
  key: string;
}

/** By bindings object (workerd hands every request of an isolate the same one)… */
const byObject = new WeakMap<object, IsolateRuntime>();
/** …and by content, for runtimes that hand a fresh copy each time. */
const byContent = new Map<string, IsolateRuntime>();

export function isolateRuntime(bindings: Record<string, unknown>): IsolateRuntime {
  const known = byObject.get(bindings);
  if (known) return known;
  const vars = stringVars(bindings);
  const key = JSON.stringify(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : 1)));
  let runtime = byContent.get(key);
  if (!runtime) {
    const env = parseBindings(bindings);
    const input: LoadConfigInput = {
      ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
      env: vars,
    };
    runtime = { env, input, base: orProblem(() => loadConfig(input)).config, key };
    byContent.set(key, runtime);
  }
  byObject.set(bindings, runtime);
  return runtime;
}

function parseBindings(bindings: Record<string, unknown>): GatewayEnv {
  const parsed = envSchema.safeParse(bindings);
  if (parsed.success) return parsed.data;
  throw new ProblemError(500, {
    title: "Gateway misconfigured",
    detail: `bad bindings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  });
}

/** A configuration that cannot work answers 500 naming every bad key, not a bare exception. */
export function orProblem<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    return misconfigured(error, "Gateway misconfigured");
  }
}
