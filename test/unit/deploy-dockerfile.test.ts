import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RELAY_BUNDLE_PATH, RELAY_NODE_FLAGS } from '../../scripts/relay-bundle.ts'

const root = resolve(import.meta.dirname, '../..')
const dockerfile = readFileSync(resolve(root, 'deploy/Dockerfile'), 'utf8')
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith('FROM ')) all.push([])
  all.at(-1)?.push(line)
  return all
}, [])
const finalStage = stages.at(-1) ?? []

describe('deploy/Dockerfile', () => {
  it('builds every stage from Node 24 slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:24-slim\b/)
  })

  it('installs exactly the locked dependencies, in the build stage only', () => {
    const install = instructions.filter((line) => /\bnpm (ci|install|i)\b/.test(line))
    expect(install).toEqual(['RUN npm ci --ignore-scripts --no-audit --no-fund'])
    expect(stages[0]).toContain(install[0])
  })

  it('keeps build tools, package managers and node_modules out of the final image', () => {
    expect(finalStage.some((line) => /apt-get|apk add|npm ci|npm install/.test(line))).toBe(false)
    const cleanup = finalStage.find((line) => line.startsWith('RUN rm -rf'))
    expect(cleanup).toContain('/usr/local/bin/npm')
    expect(cleanup).toContain('/usr/local/bin/npx')
    const copies = finalStage.filter((line) => line.startsWith('COPY'))
    expect(copies).toEqual(['COPY --from=build /app/dist/relay.mjs ./relay.mjs'])
  })

  it('builds the bundle with the same script as `npm run build:relay`', () => {
    expect(stages[0]).toContain('RUN node scripts/relay-bundle.ts')
    expect(RELAY_BUNDLE_PATH).toBe('dist/relay.mjs')
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts['build:relay']).toBe('node scripts/relay-bundle.ts')
  })

  it('runs the bundle with the relay Node flags, as a numeric non-root user', () => {
    const user = finalStage.filter((line) => line.startsWith('USER '))
    expect(user).toEqual(['USER 1000:1000'])
    expect(finalStage.at(-1)).toBe(
      `ENTRYPOINT ${JSON.stringify(['node', ...RELAY_NODE_FLAGS, 'relay.mjs']).replaceAll(',', ', ')}`,
    )
  })

  it('sends only those sources to the builder', () => {
    const ignore = readFileSync(resolve(root, 'deploy/Dockerfile.dockerignore'), 'utf8')
    expect(ignore.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      '*',
      '!package.json',
      '!package-lock.json',
      '!shared/**',
      '!relay/**',
      '!scripts/relay-bundle.ts',
    ])
    expect(existsSync(resolve(root, 'package-lock.json'))).toBe(true)
  })
})
