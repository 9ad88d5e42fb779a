const V4_PART = /^\d{1,3}$/
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/

/** Whether `text` is an IPv4 address (leading zeros allowed, as Kubernetes' sloppy parser does). */
function isIpv4(text: string): boolean {
  const parts = text.split('.')
  return parts.length === 4 && parts.every((p) => V4_PART.test(p) && Number(p) <= 255)
}

/** Whether `text` is an IPv6 address, `::` shorthand and a trailing IPv4 part included. */
function isIpv6(text: string): boolean {
  const halves = text.split('::')
  if (halves.length > 2) return false
  const groups = (half: string): string[] | undefined => {
    if (half === '') return []
    const parts = half.split(':')
    const last = parts[parts.length - 1] ?? ''
    // A dotted IPv4 tail counts as two groups.
    const tail = isIpv4(last) ? ['0', '0'] : undefined
    const head = tail === undefined ? parts : parts.slice(0, -1)
    return head.every((g) => V6_GROUP.test(g)) ? [...head, ...(tail ?? [])] : undefined
  }
  const left = groups(halves[0] ?? '')
  const right = halves.length === 2 ? groups(halves[1] ?? '') : []
  if (left === undefined || right === undefined) return false
  // An IPv4 tail may only end the address.
  if (halves.length === 2 && isIpv4(halves[0]?.split(':').pop() ?? '')) return false
  const count = left.length + right.length
  return halves.length === 2 ? count <= 7 : count === 8
}

/** Whether `text` is an IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return isIpv4(text) || isIpv6(text)
}
