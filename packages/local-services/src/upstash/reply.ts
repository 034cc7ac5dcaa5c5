/**
 * A Redis reply as the executor hands it over (RESP2, decoded without loss):
 * bulk and simple strings as bytes, integers as their decimal digits (so values
 * past 2^53 keep every digit), nil as null, arrays nested as Redis nests them,
 * and an error that Redis put inside an array (EXEC, EVAL) as an Error.
 */
export type RedisReply = Buffer | RedisInteger | null | RedisReply[] | Error;

/** Decimal digits of a RESP integer reply, e.g. "-12". */
export type RedisInteger = string;

/** One command's outcome in a pipeline or transaction. */
export type CommandOutcome = { ok: true; reply: RedisReply } | { ok: false; error: string };

export interface EncodeOptions {
  /** `Upstash-Encoding: base64` was asked for. */
  base64: boolean;
}

const OK = Buffer.from("OK");

/**
 * The JSON text of a reply, as Upstash writes it in `{"result": …}`.
 *
 * With base64, every string is base64 except a top-level `OK`: `@upstash/redis`
 * leaves a top-level "OK" alone but base64-decodes every string inside an array,
 * so an unencoded "OK" inside an array would come out as garbage. Integers stay
 * JSON numbers (written digit for digit), nil is `null`.
 * Without base64, strings are decoded as UTF-8 (lossy for binary values, as on
 * Upstash).
 */
export function encodeReply(reply: RedisReply, options: EncodeOptions): string {
  if (options.base64 && Buffer.isBuffer(reply) && reply.equals(OK)) return '"OK"';
  return encodeNested(reply, options);
}

function encodeNested(reply: RedisReply, options: EncodeOptions): string {
  if (reply === null) return "null";
  if (typeof reply === "string") return integerJson(reply);
  if (Buffer.isBuffer(reply)) return encodeBytes(reply, options);
  if (Array.isArray(reply))
    return `[${reply.map((item) => encodeNested(item, options)).join(",")}]`;
  // An error nested in an array has no JSON form on Upstash's wire that the
  // client understands; its text is sent as a string so nothing is hidden.
  return encodeBytes(Buffer.from(reply.message), options);
}

function encodeBytes(bytes: Buffer, { base64 }: EncodeOptions): string {
  return JSON.stringify(base64 ? bytes.toString("base64") : bytes.toString("utf8"));
}

function integerJson(digits: string): string {
  if (!/^-?\d+$/.test(digits)) {
    throw new Error(`not a RESP integer: ${JSON.stringify(digits)}`);
  }
  return digits;
}

/** `{"result": …}` or `{"error": …}` for one outcome. */
export function encodeOutcome(outcome: CommandOutcome, options: EncodeOptions): string {
  return outcome.ok
    ? `{"result":${encodeReply(outcome.reply, options)}}`
    : `{"error":${JSON.stringify(outcome.error)}}`;
}
