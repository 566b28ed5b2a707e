import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/**
 * Network namespaces of a test's own, each held by an `unshare --net sleep` process (root):
 * for tests of the veth plumbing against the real kernel.
 */
const holders = new Set<ChildProcess>();

/** A new network namespace, once unshare has made it: the pid of the process holding it. */
export async function newNetns(): Promise<number> {
  const p = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
  holders.add(p);
  const pid = p.pid;
  if (!pid) throw new Error('unshare did not start');
  const ours = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    if (execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }) !== ours) return pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('unshare --net did not start');
}

/** Runs `program args` in the network namespace of `pid`; its stdout. */
export function inNetns(pid: number, program: string, args: readonly string[]): string {
  return execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, program, ...args], { encoding: 'utf8' });
}

/** A bridge that is up, with an IPv4 and an IPv6 address, in the namespace of `pid`. */
export function bridgeIn(pid: number, name: string, cidr4: string, cidr6: string): void {
  inNetns(pid, 'ip', ['link', 'add', name, 'type', 'bridge']);
  inNetns(pid, 'ip', ['addr', 'add', cidr4, 'dev', name]);
  inNetns(pid, 'ip', ['addr', 'add', cidr6, 'dev', name, 'nodad']);
  inNetns(pid, 'ip', ['link', 'set', name, 'up']);
}

/** Ends every namespace made by newNetns. */
export function dropNetns(): void {
  for (const p of holders) p.kill('SIGKILL');
  holders.clear();
}
