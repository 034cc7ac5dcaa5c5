/**
 * A request body that tells the router whether the region can have received all of it.
 * The runtime takes the last byte from this stream only after every byte before it, so
 * while the last byte has not been taken the region cannot hold the complete request and
 * cannot have acted on it. Content-Length is kept (FixedLengthStream), so the region sees
 * the same message as with a buffered body.
 *
 * The proof runs one way only: if the runtime buffers ahead, `lastByteTaken` turns true
 * early and the router merely gives up a resend it could have made.
 */
export interface HeldBody {
  stream: ReadableStream<Uint8Array>;
  /** Whether the runtime has taken the last byte (it may have reached the region). */
  lastByteTaken(): boolean;
  /** Stops feeding the stream (the request is over, whatever became of it). */
  release(): void;
}

/** `bytes` must not be empty: an empty body proves nothing. */
export function heldBody(bytes: ArrayBuffer): HeldBody {
  const all = new Uint8Array(bytes);
  const { readable, writable } = new FixedLengthStream(all.byteLength);
  const writer = writable.getWriter();
  let taken = false;
  const feed = async () => {
    if (all.byteLength > 1) await writer.write(all.slice(0, -1));
    await writer.write(all.slice(-1));
    taken = true;
    await writer.close();
  };
  // A failed request leaves the writes pending or rejected: neither is an error here.
  feed().catch(() => undefined);
  return {
    stream: readable,
    lastByteTaken: () => taken,
    release: () => {
      if (!taken) writer.abort().catch(() => undefined);
    },
  };
}
