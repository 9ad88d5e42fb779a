import { DurableObject } from 'cloudflare:workers'

/** The fleet registry: relay heartbeats, pod reports and admission counters of every cluster. */
export class FleetObject extends DurableObject<Env> {}
