/**
 * CPU per region: which workerd process serves which region, found by the loopback port it
 * listens on (Linux /proc: the listening socket's inode in /proc/net/tcp, then the process
 * holding that inode among its file descriptors). With it, the writer's CPU (what publishing
 * costs) is told apart from the readers' (what applying costs).
 */
import { readdir, readFile, readlink } from "node:fs/promises";
import type { CpuSample } from "../../../../test/bench/cpu.js";
import type { Topology } from "../topology.js";

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = "0A";

/** Inodes of the sockets listening on `port` (IPv4 and IPv6 tables). */
async function listeningInodes(port: number): Promise<Set<string>> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === LISTEN && fields[9])
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** Whether process `pid` holds one of `inodes` among its descriptors. */
async function holdsSocket(pid: number, inodes: Set<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

/** Region id → the pid of its workerd, among the workerd processes `sample` saw. */
export async function regionPids(
  topology: Topology,
  sample: CpuSample,
): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const region of topology.regions) {
    const inodes = await listeningInodes(region.port);
    for (const pid of sample.workerd.keys())
      if (await holdsSocket(pid, inodes)) {
        pids.set(region.id, pid);
        break;
      }
  }
  return pids;
}

/** CPU-seconds each region's workerd spent between two samples (absent: not found). */
export function regionCpuSeconds(
  pids: Map<string, number>,
  before: CpuSample,
  after: CpuSample,
): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [region, pid] of pids) {
    const end = after.workerd.get(pid);
    if (end !== undefined) spent[region] = end - (before.workerd.get(pid) ?? 0);
  }
  return spent;
}
