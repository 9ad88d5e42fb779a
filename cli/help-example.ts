/** Formats the `Example:` block every command's help ends with. */
export function exampleHelp(commands: readonly string[], note?: string): string {
  const lines = commands.map((command) => `  $ ${command}`).join('\n')
  return `\nExample:\n${lines}\n${note === undefined ? '' : `\n${note}\n`}`
}
