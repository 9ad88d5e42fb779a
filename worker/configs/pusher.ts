import { HTTPException } from 'hono/http-exception'
import { isRelayInstance, RELAY_INSTANCE_HEADER } from '../../shared/relay-instance.ts'
import type { Pusher, PusherToken } from '../../shared/revision-api.ts'

export { RELAY_INSTANCE_HEADER } from '../../shared/relay-instance.ts'

/** What a revision records when the header is absent: the CLI, curl, anything but a relay. */
export const CLI_INSTANCE = 'cli'

/** Who made a change: the token kind the route checked, and the relay instance header, if any. */
export function readPusher(header: string | undefined, token: PusherToken = 'sync'): Pusher {
  if (header === undefined) return { token, instance: CLI_INSTANCE }
  const instance = header.trim()
  if (!isRelayInstance(instance)) {
    // Header values are not echoed: say what is allowed.
    throw new HTTPException(400, {
      message: `${RELAY_INSTANCE_HEADER}: must be a pod name, 1 to 253 letters, digits, ".", "-" or "_"`,
    })
  }
  return { token, instance }
}
