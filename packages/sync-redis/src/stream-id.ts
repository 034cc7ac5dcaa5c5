/** A Redis stream entry id, `<ms>-<seq>` (`1732212345678-0`). */
export const STREAM_ID_PATTERN = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(value: string): boolean {
  return STREAM_ID_PATTERN.test(value);
}

/** The millisecond part of a stream id: when Redis accepted the entry (ids from `XADD *`). */
export function streamIdMs(id: string): number {
  const match = STREAM_ID_PATTERN.exec(id);
  if (!match) throw new TypeError(`not a stream id: ${JSON.stringify(id)}`);
  return Number(match[1]);
}

/** Orders stream ids numerically (`9-0` < `10-0`), as Redis does. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = parts(a);
  const [bMs, bSeq] = parts(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function parts(id: string): [bigint, bigint] {
  const match = STREAM_ID_PATTERN.exec(id);
  if (!match) throw new TypeError(`not a stream id: ${JSON.stringify(id)}`);
  return [BigInt(match[1] ?? "0"), BigInt(match[2] ?? "0")];
}
