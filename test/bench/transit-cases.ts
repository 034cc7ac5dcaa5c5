/**
 * What sealed transit costs an event, beside what signing costs it: the operations a writer
 * and a reader run per event (`@memoria/sync-core`: signEvent, verifyEvent, sealEvent,
 * openEvent), on a memory of realistic size and a large one. Runtime-neutral: `transit.ts`
 * runs these in Node, `transit-worker.ts` the same ones in workerd.
 */
import {
  createKeyring,
  createTransitKeyring,
  generateTransitKey,
  importTransitPublicKey,
  type Keyring,
  openEvent,
  type SyncEvent,
  sealEvent,
  signEvent,
  type TransitKeyring,
  type TransitRecipient,
  type UnsignedSyncEvent,
  verifyEvent,
} from "@memoria/sync-core";

/** Recipients an event is sealed for: the writer itself plus N − 1 peers, for N = 1, 2, 3, 5. */
export const RECIPIENT_COUNTS = [1, 2, 3, 5] as const;
/** The recipient count of the sealed event the reader cases open (three regions). */
const OPENED_K = 3;

/** Payload text sizes: a memory as agents store them, and a large one (~16 KB). */
export const PAYLOADS = { memory: 400, large: 16_000 } as const;
export type PayloadName = keyof typeof PAYLOADS;

const SENTENCE =
  "The user prefers short answers in the morning and asked to be reminded about the Lisbon trip. ";

function memoryEvent(textBytes: number): UnsignedSyncEvent {
  const at = "2026-12-04T12:00:00.000Z";
  return {
    v: 1,
    id: "01a1fdfa-4600-7c30-8704-ab6fffac2817",
    action: "memory.created",
    entity_type: "memory",
    entity_id: "mem-bench-1",
    namespace: "bench",
    origin: "region-a",
    hlc: "001795262400000:00000:region-a",
    privacy: 5,
    created_at: at,
    payload: {
      id: "mem-bench-1",
      namespace: "bench",
      text: SENTENCE.repeat(Math.ceil(textBytes / SENTENCE.length)).slice(0, textBytes),
      anchor: "travel",
      tokens: Math.round(textBytes / 4),
      timestamp: at,
      x: 3,
      y: 5,
      z: 0,
      symbolic_anchors: ["travel", "preferences"],
      team: null,
    },
  };
}

export interface TransitFixture {
  keyring: Keyring;
  /** Recipients of region-a..region-e; `slice(0, k)` seals for k of them. */
  recipients: TransitRecipient[];
  /** region-a's transit keyring: the reader's side. */
  reader: TransitKeyring;
  clear: Record<PayloadName, UnsignedSyncEvent>;
  /** Signed clear events (what verify checks on a clear fleet). */
  signed: Record<PayloadName, SyncEvent>;
  /** Sealed for OPENED_K regions and signed (what a reader verifies and opens). */
  sealed: Record<PayloadName, SyncEvent>;
}

export async function makeFixture(): Promise<TransitFixture> {
  const keyring = await createKeyring({
    current: "k1",
    keys: { k1: "bench-signing-key-0123456789abcdef-0001" },
  });
  const regions = ["region-a", "region-b", "region-c", "region-d", "region-e"];
  const pairs = await Promise.all(regions.map(() => generateTransitKey("t1")));
  const recipients = await Promise.all(
    pairs.map(async (pair, i) => ({
      region: regions[i] as string,
      publicKey: await importTransitPublicKey(pair.publicKey),
    })),
  );
  const reader = await createTransitKeyring({
    region: "region-a",
    current: "t1",
    keys: { t1: (pairs[0] as { privateKey: string }).privateKey },
  });
  const clear = { memory: memoryEvent(PAYLOADS.memory), large: memoryEvent(PAYLOADS.large) };
  const seal = async (event: UnsignedSyncEvent) =>
    signEvent(await sealEvent(event, recipients.slice(0, OPENED_K)), keyring);
  return {
    keyring,
    recipients,
    reader,
    clear,
    signed: {
      memory: await signEvent(clear.memory, keyring),
      large: await signEvent(clear.large, keyring),
    },
    sealed: { memory: await seal(clear.memory), large: await seal(clear.large) },
  };
}

/** One operation per event, named as the results name it. */
export type TransitCase = (f: TransitFixture, payload: PayloadName) => () => Promise<unknown>;

/** Fails loudly when a reader case would time a refusal instead of the work. */
async function mustOpen(f: TransitFixture, event: SyncEvent): Promise<void> {
  const opened = await openEvent(event, f.reader);
  if (!opened.ok) throw new Error(`bench event does not open: ${opened.reason}`);
}

function sealFor(k: number): TransitCase {
  return (f, p) => () => sealEvent(f.clear[p], f.recipients.slice(0, k));
}

function sealAndSignFor(k: number): TransitCase {
  return (f, p) => async () =>
    signEvent(await sealEvent(f.clear[p], f.recipients.slice(0, k)), f.keyring);
}

/** `sign` first: it is the floor every other case is a multiple of. */
export const TRANSIT_CASES: Record<string, TransitCase> = {
  sign: (f, p) => () => signEvent(f.clear[p], f.keyring),
  verify: (f, p) => () => verifyEvent(f.signed[p], f.keyring),
  ...Object.fromEntries(RECIPIENT_COUNTS.map((k) => [`seal k=${k}`, sealFor(k)])),
  ...Object.fromEntries(RECIPIENT_COUNTS.map((k) => [`seal+sign k=${k}`, sealAndSignFor(k)])),
  [`open (k=${OPENED_K})`]: (f, p) => () => mustOpen(f, f.sealed[p]),
  [`verify+open (k=${OPENED_K})`]: (f, p) => async () => {
    const verified = await verifyEvent(f.sealed[p], f.keyring);
    if (!verified.ok) throw new Error(`bench event does not verify: ${verified.reason}`);
    await mustOpen(f, f.sealed[p]);
  },
};

/** Growth per added recipient, from the fewest recipients measured to the most (a line's slope). */
export function perAddedRecipient(valueAt: (k: number) => number): number {
  const first = RECIPIENT_COUNTS[0];
  const last = RECIPIENT_COUNTS[RECIPIENT_COUNTS.length - 1] as number;
  return (valueAt(last) - valueAt(first)) / (last - first);
}

const utf8 = new TextEncoder();
const wireBytes = (event: SyncEvent) => utf8.encode(JSON.stringify(event)).length;

/** An event's size as the transports carry it (its JSON), clear and sealed for k recipients. */
export async function wireSizes(f: TransitFixture, payload: PayloadName) {
  const sealed: Record<string, number> = {};
  for (const k of RECIPIENT_COUNTS)
    sealed[`k=${k}`] = wireBytes(
      await signEvent(await sealEvent(f.clear[payload], f.recipients.slice(0, k)), f.keyring),
    );
  return {
    clear_signed: wireBytes(f.signed[payload]),
    sealed_signed: sealed,
    per_added_recipient: Math.round(perAddedRecipient((k) => sealed[`k=${k}`] as number)),
  };
}
