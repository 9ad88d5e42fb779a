// Types of the bindings in wrangler.toml, for `import { env } from 'cloudflare:workers'`.
declare namespace Cloudflare {
  interface Env {
    CONFIGS: KVNamespace
    INJECTOR_SECRET?: string
    INJECTOR_SECRET_PREVIOUS?: string
    INJECTOR_ANNOTATION_NAMESPACE: string
    INJECTOR_IGNORED_NAMESPACES: string
    INJECTOR_CACHE_TTL_SECONDS: string
    INJECTOR_ADMISSION_DEADLINE_MS: string
    INJECTOR_ALLOW_HOST_ACCESS: string
    INJECTOR_INGEST_MAX_BYTES: string
    INJECTOR_ADMISSION_LOG: string
  }
}
