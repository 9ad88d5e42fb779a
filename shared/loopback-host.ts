// 127.0.0.0/8 in the dotted form a WHATWG URL parser normalises every IPv4 spelling to.
const LOOPBACK_IPV4 =
  /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/

/**
 * True for a host that never leaves the machine: `localhost`, 127.0.0.0/8 and `::1`. Takes a
 * parsed URL's `hostname` (IPv6 in brackets); only these may be reached over plain `http://`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return host === 'localhost' || host === '[::1]' || host === '::1' || LOOPBACK_IPV4.test(host)
}
