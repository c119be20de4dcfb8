// `lease` through main(), against the real LeaseLock over the simulator's in-memory lease store: what
// it shows, how it judges the holder alive, the refusals, and a break that lets a rerun start at once
// after a controller was killed.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockConnection } from '../../../src/app/connect-lock.ts';
import { main } from '../../../src/cli/main.ts';
import { ExitCode } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { createSimulatedWorld, MemoryLeaseStore, type SimulatedWorld } from '../../../src/sim/index.ts';
import { LeaseLock } from '../../../src/upgrade/lease-lock.ts';
import type { Cluster, Fleet, LeaseRecord, Lock } from '../../../src/upgrade/ports.ts';
import { runUpgrade, type UpgradeDeps } from '../../../src/upgrade/run-upgrade.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { memoryIo } from '../../support/memory-io.ts';
import { defaultOptions, OLD, TARGET } from '../../upgrade/builders.ts';

const TTL = 60_000;
const T0 = '2026-11-28T04:00:00.000Z';
const HOLDER = 'ops-1:4242:9f3a1c2b';
const ES = ['--es-url', 'https://es.internal:9200'];

/** A lease store, a clock, and `lease` run through main() on them. */
function aLease(clock: ManualClock = new ManualClock(T0)) {
  const store = new MemoryLeaseStore();
  let connections = 0;
  const connectLock = (): LockConnection => {
    connections += 1;
    return { lock: new LeaseLock(store, clock), close: () => Promise.resolve() };
  };
  return {
    store,
    clock,
    connections: () => connections,
    async lease(args: string[], env: Record<string, string> = {}) {
      const io = memoryIo(env);
      const code = await main(['lease', ...ES, ...args], io, { connectLock, clock, createLogger: silentLogger });
      return { code, out: io.out, err: io.err };
    },
    /** Another controller takes the lease and stores an upgrade's record in it. */
    async held(record: Partial<LeaseRecord> = {}): Promise<{ lock: LeaseLock; record: LeaseRecord }> {
      const lock = new LeaseLock(store, clock);
      const outcome = await lock.acquire(HOLDER, TARGET, TTL);
      if (!outcome.acquired) throw new Error('not acquired');
      return { lock, record: await lock.update({ ...outcome.record, ...record }, TTL) };
    },
  };
}

const RECORD: Partial<LeaseRecord> = {
  terminatedInstanceIds: ['i-0a1', 'i-0b2'],
  terminatedNodeIds: ['n-a1', 'n-b2'],
  allocationOverride: {
    setAt: T0,
    nodeNames: ['es-data-2'],
    narrowed: true,
    found: {
      'cluster.routing.allocation.enable': { persistent: null, transient: null },
      'cluster.routing.allocation.exclude._name': { persistent: 'es-old-9', transient: null },
    },
  },
  votingExclusion: { nodeIds: ['n-m1'], nodeNames: ['es-master-1'], setAt: T0 },
};

describe('lease shows the lease', () => {
  it('says there is none, exit 0', async () => {
    const t = aLease();
    const shown = await t.lease([]);
    expect(shown.code).toBe(ExitCode.ok);
    expect(shown.out).toContain('No lease on this cluster');
    const json = await t.lease(['--output', 'json']);
    expect(JSON.parse(json.out)).toEqual({ lease: null, renewedAgoMs: null, watch: null });
  });

  it('shows the holder, its times, the TTL and the upgrade\'s record', async () => {
    const t = aLease();
    await t.held(RECORD);
    t.clock.advance(12_000);
    const { code, out } = await t.lease(['--watch', '0s']);
    expect(code).toBe(ExitCode.ok);
    expect(out).toContain(`Lease of the cluster: held by ${HOLDER}`);
    expect(out).toMatch(/target version +9\.5\.4/);
    expect(out).toMatch(new RegExp(`last renewed +${T0} by the holder's clock; 12s ago by this machine's \\(clocks may differ\\)`));
    expect(out).toMatch(/TTL +1m: renewed every 15s; another controller takes it over once it sees it unchanged for 1m/);
    expect(out).toContain('not watched (--watch 0s)');
    expect(out).toMatch(/instances terminated +i-0a1, i-0b2 \(node ids n-a1, n-b2\)/);
    expect(out).toMatch(/allocation changed +since .*: new shard copies kept off es-data-2; allocation narrowed to new primaries/);
    expect(out).toMatch(/as found +cluster\.routing\.allocation\.enable: persistent \(unset\), transient \(unset\)/);
    expect(out).toMatch(/as found +cluster\.routing\.allocation\.exclude\._name: persistent es-old-9, transient \(unset\)/);
    expect(out).toMatch(/voting exclusion +es-master-1 since/);
  });

  it('as JSON: the record as stored, how long ago it was renewed, and the watch', async () => {
    const t = aLease();
    const { record } = await t.held(RECORD);
    t.clock.advance(3_000);
    const { code, out } = await t.lease(['--watch', '0s', '--output', 'json']);
    expect(code).toBe(ExitCode.ok);
    expect(JSON.parse(out)).toEqual({
      lease: record,
      renewedAgoMs: 3_000,
      watch: { plannedMs: 0, watchedMs: 0, verdict: 'undecided', unchangedMs: 0, neededMs: TTL / 4 + 5_000 },
    });
  });

  it('judges a holder that renews while watched alive, and stops watching at the renewal', async () => {
    const t = aLease();
    const held = await t.held();
    let current = held.record;
    t.clock.onSleep = async (nowMs) => {
      if (nowMs - Date.parse(current.renewedAt) >= TTL / 4) current = await held.lock.update(current, TTL);
    };
    const { code, out, err } = await t.lease([]);
    expect(code).toBe(ExitCode.ok);
    expect(err).toContain(`Watching the lease for up to 20s for a renewal by ${HOLDER}`);
    expect(out).toMatch(/watched +renewed while watched \(after 15s\): alive/);
  });

  it('judges a lease unchanged for longer than a renewal interval a missed renewal, after the default watch', async () => {
    const t = aLease();
    await t.held();
    const started = t.clock.now().getTime();
    const { code, out } = await t.lease(['--output', 'json']);
    expect(code).toBe(ExitCode.ok);
    expect(t.clock.now().getTime() - started).toBe(TTL / 4 + 5_000);
    expect(JSON.parse(out)).toMatchObject({ watch: { verdict: 'missed-renewal', unchangedMs: TTL / 4 + 5_000, plannedMs: TTL / 4 + 5_000 } });
  });

  it('watches at most one TTL of the holder, whatever --watch asks', async () => {
    const t = aLease();
    await t.held();
    const started = t.clock.now().getTime();
    const { out } = await t.lease(['--watch', '10m', '--output', 'json']);
    expect(t.clock.now().getTime() - started).toBe(TTL);
    expect(JSON.parse(out)).toMatchObject({ watch: { plannedMs: TTL, verdict: 'missed-renewal' } });
  });

  it('says a watch too short to tell is one', async () => {
    const t = aLease();
    await t.held();
    const { out } = await t.lease(['--watch', '3s']);
    expect(out).toContain('unchanged for 3s: too short to tell (it renews every 15s; watch at least 20s)');
  });

  it('shows a released lease, by whom and why, without watching', async () => {
    const t = aLease();
    const { lock, record } = await t.held(RECORD);
    await lock.release(record, { complete: false, reason: 'halted: green wait timed out' });
    const started = t.clock.now().getTime();
    const { code, out, err } = await t.lease([]);
    expect(code).toBe(ExitCode.ok);
    expect(t.clock.now().getTime()).toBe(started);
    expect(err).not.toContain('Watching');
    expect(out).toContain('Lease of the cluster: released, held by nobody');
    expect(out).toMatch(new RegExp(`released +${T0} by ${HOLDER}: halted: green wait timed out`));
    expect(out).toMatch(/instances terminated +i-0a1, i-0b2/);
  });
});

describe('lease --break refuses, changing nothing', () => {
  it.each([
    ['--break alone', ['--break'], ['error: --force is required with --break', 'error: --reason is required with --break']],
    ['--break without --force', ['--break', '--reason', 'host lost'], ['error: --force is required with --break']],
    ['--break without --reason', ['--break', '--force'], ['error: --reason is required with --break']],
    ['an empty --reason', ['--break', '--force', '--reason', '  '], ['must not be empty']],
    ['--force without --break', ['--force'], ['error: --force is used only with --break']],
    ['--reason without --break', ['--reason', 'why not'], ['error: --reason is used only with --break']],
    ['--even-if-alive without --break', ['--even-if-alive'], ['error: --even-if-alive is used only with --break']],
    ['--region, an AWS setting lease does not take', ['--break', '--force', '--reason', 'x', '--region', 'eu-west-1'], ['error: --region is not used by the lease command']],
  ])('%s: exit 2, naming what is missing', async (_name, args, messages) => {
    const t = aLease();
    await t.held(RECORD);
    const before = t.store.peek();
    const { code, err, out } = await t.lease(args);
    expect(code).toBe(ExitCode.invalidInput);
    for (const message of messages) expect(err).toContain(message);
    expect(out).toBe('');
    expect(t.connections()).toBe(0);
    expect(t.store.peek()).toEqual(before);
  });

  it('refuses --force in a config file or the environment: it is a command-line flag only', async () => {
    const t = aLease();
    await t.held();
    const file = join(mkdtempSync(join(tmpdir(), 'esru-lease-')), 'esru.yaml');
    writeFileSync(file, 'force: true\nreason: from the file\n');
    const fromFile = await t.lease(['--break', '--config', file]);
    expect(fromFile.code).toBe(ExitCode.invalidInput);
    expect(fromFile.err).toContain(`error: ${file}: "force" is a command-line flag only (--force), never read from a file: remove it`);
    expect(fromFile.err).toContain(`error: ${file}: "reason" is a command-line flag only`);
    expect(t.store.peek()?.holder).toBe(HOLDER);
  });

  it('refuses a holder that renewed the lease while watched: exit 3, the lease untouched, how to stop it instead', async () => {
    const t = aLease();
    const held = await t.held(RECORD);
    let current = held.record;
    t.clock.onSleep = async (nowMs) => {
      if (nowMs - Date.parse(current.renewedAt) >= TTL / 4) current = await held.lock.update(current, TTL);
    };
    const { code, err, out } = await t.lease(['--break', '--reason', 'looks stuck', '--force']);
    expect(code).toBe(ExitCode.refused);
    expect(err).toContain(`error: not broken: ${HOLDER} renewed the lease while watched, so it is alive. Stop it instead (SIGTERM to pid 4242 on ops-1`);
    expect(err).toContain('add --even-if-alive');
    expect(out).toContain('renewed while watched');
    expect(t.store.peek()).toEqual(current);
  });

  it('refuses when the watch was too short to tell: exit 3, the lease untouched', async () => {
    const t = aLease();
    await t.held(RECORD);
    const before = t.store.peek();
    const { code, err } = await t.lease(['--break', '--reason', 'hurry', '--force', '--watch', '2s']);
    expect(code).toBe(ExitCode.refused);
    expect(err).toContain(`error: not broken: watched for 2s, too short to tell whether ${HOLDER} is alive (it renews every 15s). Watch at least 20s`);
    expect(t.store.peek()).toEqual(before);
  });

  it('has nothing to break when there is no lease, or nobody holds it: exit 0', async () => {
    const t = aLease();
    const none = await t.lease(['--break', '--reason', 'x', '--force']);
    expect(none.code).toBe(ExitCode.ok);
    expect(none.err).toContain('Nothing to break');
    expect(t.store.peek()).toBeUndefined();

    const { lock, record } = await t.held();
    await lock.release(record, { complete: false, reason: 'interrupted by SIGTERM' });
    const before = t.store.peek();
    const released = await t.lease(['--break', '--reason', 'x', '--force']);
    expect(released.code).toBe(ExitCode.ok);
    expect(released.err).toContain('Nothing to break: no controller holds the lease');
    expect(t.store.peek()).toEqual(before);
  });

  it('an interrupt while watching ends the command with 143, the lease untouched', async () => {
    const t = aLease();
    await t.held(RECORD);
    const before = t.store.peek();
    t.clock.onSleep = () => void process.emit('SIGTERM');
    const { code } = await t.lease(['--break', '--reason', 'x', '--force']);
    expect(code).toBe(ExitCode.interruptedTerm);
    expect(t.store.peek()).toEqual(before);
  });
});

describe('lease --break --reason --force', () => {
  it('releases a lease whose holder missed a renewal, keeping the record, with the reason and who broke it', async () => {
    const t = aLease();
    await t.held(RECORD);
    const { code, out, err } = await t.lease(['--break', '--reason', 'host lost in INC-1234', '--force'], { USER: 'ops' });
    expect(code).toBe(ExitCode.ok);
    const stored = t.store.peek();
    expect(stored).toMatchObject({
      holder: null,
      targetVersion: TARGET,
      terminatedInstanceIds: RECORD.terminatedInstanceIds,
      allocationOverride: RECORD.allocationOverride,
      votingExclusion: RECORD.votingExclusion,
    });
    expect(stored?.released?.reason).toContain('host lost in INC-1234');
    expect(stored?.released?.reason).toContain(`was held by ${HOLDER}`);
    expect(stored?.released?.by).toMatch(/^[^@\s]+@\S+$/);
    expect(out).toContain('Lease of the cluster: released, held by nobody');
    expect(out).toContain('host lost in INC-1234');
    expect(err).toContain(`Broke the lease held by ${HOLDER}`);
    expect(err).not.toContain('WARNING');
  });

  it('prints what it broke as JSON', async () => {
    const t = aLease();
    await t.held(RECORD);
    const { code, out } = await t.lease(['--break', '--reason', 'host lost', '--force', '--output', 'json']);
    expect(code).toBe(ExitCode.ok);
    const printed = JSON.parse(out) as { lease: LeaseRecord; broken: { wasHeldBy: string; reason: string } };
    expect(printed.broken.wasHeldBy).toBe(HOLDER);
    expect(printed.broken.reason).toContain('host lost');
    expect(printed.lease).toEqual(t.store.peek());
  });

  it('with --even-if-alive breaks a live holder, warning loudly; the holder then loses the lease at its next renewal', async () => {
    const t = aLease();
    const held = await t.held(RECORD);
    let current = held.record;
    let renewals = 0;
    t.clock.onSleep = async (nowMs) => {
      if (renewals === 0 && nowMs - Date.parse(current.renewedAt) >= TTL / 4) {
        renewals += 1;
        current = await held.lock.update(current, TTL);
      }
    };
    const { code, err } = await t.lease(['--break', '--reason', 'stuck on a dead NFS mount', '--force', '--even-if-alive']);
    expect(code).toBe(ExitCode.ok);
    expect(err).toContain(`WARNING: --even-if-alive: ${HOLDER} renewed the lease while watched: it is alive.`);
    expect(err).toContain('"lease taken over"');
    expect(t.store.peek()?.holder).toBeNull();
    await expect(held.lock.update(current, TTL)).rejects.toThrow(/taken over by nobody \(broken by hand: stuck on a dead NFS mount/);
  });
});

/** Freezes a controller as kill -9 would: after `n` mutating calls, nothing it awaits ever returns. */
function killedAfter(n: number, ports: { cluster: Cluster; fleet: Fleet; lock: Lock }): { cluster: Cluster; fleet: Fleet; lock: Lock; killed: () => boolean } {
  let calls = 0;
  const mutating = new Set(['putSettings', 'terminateInGroup', 'excludeFromVoting', 'clearVotingExclusions', 'allocateReplica']);
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          if (calls >= n) return new Promise(() => undefined);
          if (mutating.has(String(prop))) calls += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { cluster: wrap(ports.cluster), fleet: wrap(ports.fleet), lock: wrap(ports.lock), killed: () => calls >= n };
}

describe('a controller killed mid-run, then lease --break', () => {
  const options = defaultOptions();
  const deps = (world: SimulatedWorld, holder: string): UpgradeDeps => ({
    cluster: world.cluster,
    fleet: world.fleet,
    lock: world.lock,
    clock: world.clock,
    log: silentLogger(),
    holder,
  });

  /** Kills a run after its first termination; resolves once it is frozen. */
  async function killedRun(world: SimulatedWorld): Promise<void> {
    const frozen = killedAfter(1, { cluster: world.cluster, fleet: world.fleet, lock: world.newLock() });
    void runUpgrade({ ...deps(world, 'controller-a'), ...frozen }, options);
    for (let i = 0; i < 10_000 && !frozen.killed(); i++) await new Promise((r) => setImmediate(r));
    expect(frozen.killed()).toBe(true);
    expect(world.terminatedInstanceIds()).toHaveLength(1);
  }

  /** Reruns; resolves with its report and how long (virtual) it took to get the lease. */
  async function rerun(world: SimulatedWorld): Promise<{ report: Awaited<ReturnType<typeof runUpgrade>>; waitedMs: number }> {
    const lock = world.newLock();
    const startedMs = world.clock.nowMs();
    let acquiredMs = Infinity;
    const acquire = lock.acquire.bind(lock);
    lock.acquire = async (...args) => {
      const outcome = await acquire(...args);
      acquiredMs = world.clock.nowMs();
      return outcome;
    };
    const report = await runUpgrade({ ...deps(world, 'controller-b'), lock }, options);
    return { report, waitedMs: acquiredMs - startedMs };
  }

  const aWorld = (): SimulatedWorld => createSimulatedWorld({ masters: 3, data: 3, fromVersion: OLD, launchVersion: TARGET });

  it('without a break, the rerun waits out the dead holder\'s TTL', async () => {
    const world = aWorld();
    await killedRun(world);
    const { report, waitedMs } = await rerun(world);
    expect(report.outcome, report.message).toBe('completed');
    expect(waitedMs).toBeGreaterThanOrEqual(options.lockTtlMs);
  });

  it('after lease --break, the rerun takes the lease at once, resumes the record and completes', async () => {
    const world = aWorld();
    await killedRun(world);
    const killedTerminations = world.terminatedInstanceIds();
    const io = memoryIo();
    const connectLock = (): LockConnection => ({ lock: world.newLock(), close: () => Promise.resolve() });
    const code = await main(['lease', ...ES, '--break', '--reason', 'controller-a was killed', '--force'], io, {
      connectLock,
      clock: world.clock,
      createLogger: silentLogger,
    });
    expect(code, io.err).toBe(ExitCode.ok);
    expect(io.out).toMatch(/watched +unchanged for 1m 20s: it missed a renewal/);
    // Killed between its terminate and recording it: the record names the terminate as sent.
    expect(world.lock.peek()).toMatchObject({ holder: null, terminationRequested: { instanceId: killedTerminations[0] } });

    const { report, waitedMs } = await rerun(world);
    expect(waitedMs).toBeLessThan(1_000);
    expect(report.outcome, report.message).toBe('completed');
    expect(report.previouslyTerminatedInstanceIds).toEqual(killedTerminations);
    expect(world.lock.peek()).toBeUndefined();
    expect((await world.cluster.observe()).allocationEnable).toBeNull();
  });
});
