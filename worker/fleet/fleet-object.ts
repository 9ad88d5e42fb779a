import { DurableObject } from 'cloudflare:workers'
import type { ClusterStatusReport, PodSummary } from '../../shared/fleet-api.ts'
import type { AdmissionCount } from '../../shared/fleet-metrics.ts'
import type { ClusterRecord, FleetRegistry } from './fleet-registry.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clusters (
  cluster TEXT PRIMARY KEY,
  last_seen INTEGER,
  status TEXT,
  refused_at INTEGER,
  refused TEXT,
  pods TEXT
);
CREATE TABLE IF NOT EXISTS admissions (
  cluster TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  config TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (cluster, decision, reason, config)
);`

/**
 * Admission series kept; past it, a new series is counted under config `(other)`, so pods that
 * request made-up config names cannot grow the table (or the metrics page) without bound.
 */
export const MAX_ADMISSION_SERIES = 20_000
export const OTHER_CONFIG = '(other)'

type ClusterRow = {
  cluster: string
  last_seen: number | null
  status: string | null
  refused_at: number | null
  refused: string | null
  pods: string | null
}

/**
 * The fleet registry (binding FLEET, one object by name): relay heartbeats, pod reports and the
 * admission counts isolates flush. Inputs arrive checked (shared/fleet-report-check.ts); this
 * class only stores them. A pod report is kept summed per config@hash: one small row per cluster.
 */
export class FleetObject extends DurableObject<Env> implements FleetRegistry {
  readonly #sql: SqlStorage

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
  }

  async recordStatus(cluster: string, report: ClusterStatusReport, at: number): Promise<void> {
    this.#sql.exec(
      `INSERT INTO clusters (cluster, last_seen, status) VALUES (?, ?, ?)
       ON CONFLICT (cluster) DO UPDATE SET last_seen = excluded.last_seen,
         status = excluded.status, refused_at = NULL, refused = NULL`,
      cluster,
      at,
      JSON.stringify(report),
    )
  }

  async refuseStatus(cluster: string, message: string, at: number): Promise<void> {
    this.#sql.exec(
      `INSERT INTO clusters (cluster, last_seen, refused_at, refused) VALUES (?, ?, ?, ?)
       ON CONFLICT (cluster) DO UPDATE SET last_seen = excluded.last_seen,
         refused_at = excluded.refused_at, refused = excluded.refused`,
      cluster,
      at,
      at,
      message,
    )
  }

  async recordPods(cluster: string, pods: PodSummary): Promise<void> {
    this.#sql.exec(
      `INSERT INTO clusters (cluster, pods) VALUES (?, ?)
       ON CONFLICT (cluster) DO UPDATE SET pods = excluded.pods`,
      cluster,
      JSON.stringify(pods),
    )
  }

  async cluster(cluster: string): Promise<ClusterRecord | undefined> {
    const row = this.#sql
      .exec<ClusterRow>('SELECT * FROM clusters WHERE cluster = ?', cluster)
      .toArray()[0]
    return row === undefined ? undefined : recordOf(row)
  }

  async clusters(): Promise<ClusterRecord[]> {
    return this.#sql
      .exec<ClusterRow>('SELECT * FROM clusters ORDER BY cluster')
      .toArray()
      .map(recordOf)
  }

  async addAdmissions(counts: readonly AdmissionCount[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      let series = this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM admissions').one().n
      for (const c of counts) {
        const updated = this.#sql.exec(
          `UPDATE admissions SET count = count + ?
           WHERE cluster = ? AND decision = ? AND reason = ? AND config = ?`,
          c.count,
          c.cluster,
          c.decision,
          c.reason,
          c.config,
        ).rowsWritten
        if (updated > 0) continue
        const config = series < MAX_ADMISSION_SERIES ? c.config : OTHER_CONFIG
        const inserted = this.#sql.exec(
          `INSERT INTO admissions (cluster, decision, reason, config, count) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET count = count + excluded.count`,
          c.cluster,
          c.decision,
          c.reason,
          config,
          c.count,
        )
        if (inserted.rowsWritten > 0 && config === c.config) series++
      }
    })
  }

  async forget(cluster: string): Promise<{ admissionSeries: number } | undefined> {
    return this.ctx.storage.transactionSync(() => {
      const record = this.#sql.exec('DELETE FROM clusters WHERE cluster = ?', cluster).rowsWritten
      const series = this.#sql.exec('DELETE FROM admissions WHERE cluster = ?', cluster).rowsWritten
      return record === 0 && series === 0 ? undefined : { admissionSeries: series }
    })
  }

  async admissions(): Promise<AdmissionCount[]> {
    return this.#sql
      .exec<{ cluster: string; decision: string; reason: string; config: string; count: number }>(
        'SELECT * FROM admissions ORDER BY cluster, decision, reason, config',
      )
      .toArray()
      .map((row) => ({ ...row, decision: row.decision === 'inject' ? 'inject' : 'skip' }))
  }
}

function recordOf(row: ClusterRow): ClusterRecord {
  return {
    cluster: row.cluster,
    ...(row.last_seen === null ? {} : { lastSeen: row.last_seen }),
    ...(row.status === null ? {} : { status: JSON.parse(row.status) as ClusterStatusReport }),
    ...(row.refused === null || row.refused_at === null
      ? {}
      : { refused: { at: row.refused_at, message: row.refused } }),
    ...(row.pods === null ? {} : { pods: JSON.parse(row.pods) as PodSummary }),
  }
}
