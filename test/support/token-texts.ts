/** Well-formed tokens: 43 base64url characters, as `sidecar-injector token` prints them. */
export const TOKEN_A = 'Zm9yLXRlc3RzLW9ubHktYWRtaXQtdG9rZW4tMDAwMDA'
export const TOKEN_B = 'Zm9yLXRlc3RzLW9ubHktc3luYy10b2tlbi0xMTExMTE'
export const TOKEN_C = 'Zm9yLXRlc3RzLW9ubHktb3RoZXItdG9rZW4tMjIyMjI'

/**
 * Token files and variables that are not one token: what each case is, the text, and the problem
 * every reader reports (after naming the file or variable). No problem quotes the text.
 */
export const BAD_TOKEN_TEXTS: readonly (readonly [string, string, string])[] = [
  ['is empty', '', 'is empty'],
  ['holds only whitespace', ' \n\t\n', 'is empty'],
  [
    'holds the whole token output',
    `cluster: prod-eu\nadmit: ${TOKEN_A}\nsync: ${TOKEN_B}\n`,
    'holds the whole `sidecar-injector token` output; it must hold one token only, as printed by `sidecar-injector token --only sync` (or `--only admit`)',
  ],
  [
    'holds the token output without its first line',
    `admit: ${TOKEN_A}\nsync: ${TOKEN_B}`,
    'holds the whole `sidecar-injector token` output; it must hold one token only, as printed by `sidecar-injector token --only sync` (or `--only admit`)',
  ],
  [
    'holds two tokens on two lines',
    `${TOKEN_A}\n${TOKEN_B}\n`,
    'holds 2 lines; it must hold exactly one token',
  ],
  [
    'holds two tokens on one line',
    `${TOKEN_A} ${TOKEN_B}`,
    'holds several words; it must hold exactly one token',
  ],
  [
    'holds an Authorization value',
    `Bearer ${TOKEN_A}`,
    'starts with "Bearer"; it must hold the token alone',
  ],
  [
    'is a token cut short',
    TOKEN_A.slice(0, 40),
    'holds 40 characters; a token is exactly 43 base64url characters',
  ],
  [
    'is a token with a character too many',
    `${TOKEN_A}A`,
    'holds 44 characters; a token is exactly 43 base64url characters',
  ],
  [
    'is standard base64 with padding',
    `${TOKEN_A.slice(0, 42)}+=`,
    'holds characters outside base64url (A-Z, a-z, 0-9, "-" and "_"); it is no token',
  ],
  [
    'holds a quoted token',
    `"${TOKEN_A}"`,
    'holds characters outside base64url (A-Z, a-z, 0-9, "-" and "_"); it is no token',
  ],
  [
    'holds a key=value line',
    `INJECTOR_SYNC_TOKEN=${TOKEN_A}`,
    'holds characters outside base64url (A-Z, a-z, 0-9, "-" and "_"); it is no token',
  ],
]
