import { HTTPException } from 'hono/http-exception'
import type { Pusher, PusherToken } from '../../shared/revision-api.ts'

/** The header a relay names itself in (its pod name), recorded with each revision it makes. */
export const RELAY_INSTANCE_HEADER = 'x-relay-instance'

/** What a revision records when the header is absent: the CLI, curl, anything but a relay. */
export const CLI_INSTANCE = 'cli'

// A pod name is a DNS subdomain (253 characters); hostnames outside Kubernetes may add capitals
// and `_`. Nothing else reaches the history, whose readers print it.
const INSTANCE = /^[A-Za-z0-9._-]{1,253}$/

/** Who made a change: the token kind the route checked, and the relay instance header, if any. */
export function readPusher(header: string | undefined, token: PusherToken = 'sync'): Pusher {
  if (header === undefined) return { token, instance: CLI_INSTANCE }
  const instance = header.trim()
  if (!INSTANCE.test(instance)) {
    // Header values are not echoed: say what is allowed.
    throw new HTTPException(400, {
      message: `${RELAY_INSTANCE_HEADER}: must be a pod name, 1 to 253 letters, digits, ".", "-" or "_"`,
    })
  }
  return { token, instance }
}
