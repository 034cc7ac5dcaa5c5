import { createServer } from "node:net";

/** `preferred` when free on 127.0.0.1, else any free port. */
export async function freePortOnLoopback(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        server.close(() =>
          typeof address === "object" && address
            ? resolve(address.port)
            : reject(new Error("no port")),
        );
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}
