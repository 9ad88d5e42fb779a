// The Worker bundle aliases `@kubernetes-models/validate` to this module (wrangler.toml `[alias]`):
// the core/v1 validators of kubernetes-models import only `formats` from it, and the package's
// own `formats` pulls in ajv-formats and more (about 22 KB gzipped) for four entries.
// test/unit/schema-formats.test.ts lists the formats the schemas read and compares these
// answers with the package's.

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

// The package's quantity pattern (Kubernetes' resource.Quantity, generously): a signed decimal
// with a binary or decimal SI suffix or an exponent. shared/quantity.ts holds Kubernetes' exact
// grammar; this one only has to agree with the package.
const SIGNED = '[+-]?(?:\\d+|\\d+\\.\\d+|\\d+\\.|\\.\\d+)'
const SUFFIX = `(?:[KMGTPE]i|(?:[YZEPTGMkhdcmunpfazy]|da)|[eE]${SIGNED})?`

// RFC 3339 section 5.6 date-time with a time zone (metav1.Time, in a volumeClaimTemplate's
// metadata), as ajv-formats reads it: real calendar days, and a leap second only at 23:59 UTC.
const DATE = /^(\d{4})-(\d\d)-(\d\d)$/
const TIME = /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)$/i
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function isDate(text: string): boolean {
  const match = DATE.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0)
  return month >= 1 && month <= 12 && day >= 1 && day <= days
}

function isTime(text: string): boolean {
  const match = TIME.exec(text)
  if (match === null) return false
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const sign = match[5] === '-' ? -1 : 1
  const zoneHours = Number(match[6] ?? 0)
  const zoneMinutes = Number(match[7] ?? 0)
  if (zoneHours > 23 || zoneMinutes > 59) return false
  if (hour <= 23 && minute <= 59 && second < 60) return true
  const utcMinute = minute - zoneMinutes * sign
  const utcHour = hour - zoneHours * sign - (utcMinute < 0 ? 1 : 0)
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && second < 61
}

/** The formats the core/v1 schemas use, in the shape their generated code reads. */
export const formats = {
  // ajv-formats gives date-time no type; the generated code checks for a string itself.
  'date-time': {
    validate: (value: string): boolean => {
      const parts = value.split(/t|\s/i)
      return parts.length === 2 && isDate(parts[0] ?? '') && isTime(parts[1] ?? '')
    },
  },
  int32: {
    type: 'number',
    validate: (value: number): boolean =>
      Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX,
  },
  // JSON numbers are doubles: every integer one is a valid int64 as far as JavaScript can tell.
  int64: { type: 'number', validate: (value: number): boolean => Number.isInteger(value) },
  quantity: { type: 'string', validate: new RegExp(`^${SIGNED}${SUFFIX}$`) },
}
