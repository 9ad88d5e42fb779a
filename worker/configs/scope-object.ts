import { DurableObject } from 'cloudflare:workers'
import type { ScopeState } from '../../shared/fleet-api.ts'

/** The one writer of a scope: serialised pushes, numbered revisions, and the KV publish. */
export class ScopeObject extends DurableObject<Env> {
  /** The scope's revision and publish state; a scope never pushed to has revision 0. */
  state(scope: string): ScopeState {
    return {
      scope,
      headRevision: 0,
      servedRevision: 0,
      pinned: false,
      publishPending: false,
      configs: 0,
    }
  }
}
