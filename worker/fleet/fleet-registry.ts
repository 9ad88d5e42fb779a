import type { ClusterStatusReport, PodSummary } from '../../shared/fleet-api.ts'
import type { AdmissionCount } from '../../shared/fleet-metrics.ts'

/** What the fleet registry holds about one cluster. */
export interface ClusterRecord {
  readonly cluster: string
  /** Milliseconds since the epoch of the last heartbeat, good or refused. */
  readonly lastSeen?: number
  /** The last good heartbeat. */
  readonly status?: ClusterStatusReport
  /** The last refused heartbeat, when newer than the last good one. */
  readonly refused?: { readonly at: number; readonly message: string }
  readonly pods?: PodSummary
}

/** The methods of the fleet object (binding FLEET) that routes and the admission counter call. */
export interface FleetRegistry {
  /** Stores a good heartbeat and when it came; it replaces the last good one. */
  recordStatus(cluster: string, report: ClusterStatusReport, at: number): Promise<void>
  /** Notes a refused heartbeat: the cluster was seen, the last good status is kept. */
  refuseStatus(cluster: string, message: string, at: number): Promise<void>
  recordPods(cluster: string, pods: PodSummary): Promise<void>
  cluster(cluster: string): Promise<ClusterRecord | undefined>
  clusters(): Promise<ClusterRecord[]>
  /** Adds a batch of admission counts an isolate aggregated. */
  addAdmissions(counts: readonly AdmissionCount[]): Promise<void>
  admissions(): Promise<AdmissionCount[]>
  /**
   * Drops a cluster's record and its admission counts; undefined when the registry held
   * neither. Its scope (configs, revisions) is not the registry's and stays.
   */
  forget(cluster: string): Promise<{ admissionSeries: number } | undefined>
}

/** The fleet registry: in the Worker, the one fleet object (`FLEET`, by name). */
export type FleetDirectory = () => FleetRegistry

/** The name of the one fleet object. */
export const FLEET_OBJECT_NAME = 'fleet'
