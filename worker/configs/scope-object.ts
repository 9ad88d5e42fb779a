import { DurableObject } from 'cloudflare:workers'

/** The one writer of a scope: serialised pushes, numbered revisions, and the KV publish. */
export class ScopeObject extends DurableObject<Env> {}
