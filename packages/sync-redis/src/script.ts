import type { Redis } from "@upstash/redis";

/** A Lua script as this package runs it: EVALSHA, falling back to EVAL (the client's `Script`). */
export interface LuaScript {
  exec(keys: string[], args: string[]): Promise<unknown>;
}

/**
 * The client's script, made on first use. Making one hashes its text (SHA-1 over
 * WebCrypto), and a gateway makes a transport and two leases for every request that reads
 * the services, most of which never run a script.
 */
export function lazyScript(redis: Redis, text: string): LuaScript {
  let script: ReturnType<Redis["createScript"]> | undefined;
  return {
    exec(keys, args) {
      script ??= redis.createScript<unknown>(text);
      return script.exec(keys, args);
    },
  };
}
