/** Starts both fake servers together. */
import { type FakeConnectWise, startFakeConnectWise } from './fake-connectwise.js';
import { type FakeMailprotector, startFakeMailprotector } from './fake-mailprotector.js';
import type { World } from './world.js';

export interface Sandbox {
  cw: FakeConnectWise;
  mp: FakeMailprotector;
  close(): Promise<void>;
}

export async function startSandbox(
  world: World,
  options: { cwPort?: number; mpPort?: number; latencyMs?: number } = {},
): Promise<Sandbox> {
  const cw = await startFakeConnectWise(world.cw, { port: options.cwPort, latencyMs: options.latencyMs });
  let mp: FakeMailprotector;
  try {
    mp = await startFakeMailprotector(world.mp, { port: options.mpPort, latencyMs: options.latencyMs });
  } catch (err) {
    await cw.close();
    throw err;
  }
  return { cw, mp, close: async () => void (await Promise.all([cw.close(), mp.close()])) };
}
