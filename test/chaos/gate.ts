import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay on loopback that a test can cut and heal: one region's only way to its
 * transport (the Upstash endpoint, or Postgres behind the Neon proxy). Cut, it drops every
 * open connection and refuses new ones, as a network partition seen from the region does
 * (fast failures, not hangs); healed, it listens again on the same port.
 */
export class Gate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A relay to `target` on a free loopback port, open. */
  static async open(target: { host: string; port: number }): Promise<Gate> {
    const probe = await listen(createServer(), 0);
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const gate = new Gate(port, target);
    await gate.heal();
    return gate;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  async heal(): Promise<void> {
    if (this.server) return;
    this.server = await listen(
      createServer((inbound) => this.relay(inbound)),
      this.port,
    );
  }

  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise((resolve) => server.close(resolve));
  }

  private relay(inbound: Socket): void {
    const outbound = connect(this.target);
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        this.sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
