import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

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

  it('installs production dependencies only, from the lock file', () => {
    const install = instructions.filter((line) => line.includes('npm '))
    expect(install.some((line) => /^RUN npm ci --omit=dev\b/.test(line))).toBe(true)
    expect(install.some((line) => /npm (install|i)\b/.test(line))).toBe(false)
  })

  it('keeps build tools and package managers out of the final image', () => {
    expect(finalStage.some((line) => /apt-get|apk add|npm ci|npm install/.test(line))).toBe(false)
    const cleanup = finalStage.find((line) => line.startsWith('RUN rm -rf'))
    expect(cleanup).toContain('/usr/local/bin/npm')
    expect(cleanup).toContain('/usr/local/bin/npx')
  })

  it('copies only the runtime sources the relay imports', () => {
    const copies = finalStage.filter((line) => line.startsWith('COPY'))
    expect(copies).toEqual([
      'COPY --from=dependencies /app/node_modules ./node_modules',
      'COPY package.json ./',
      'COPY shared ./shared',
      'COPY relay ./relay',
    ])
  })

  it('runs `node relay/main.ts` as a numeric non-root user', () => {
    const user = finalStage.filter((line) => line.startsWith('USER '))
    expect(user).toEqual(['USER 1000:1000'])
    expect(finalStage.at(-1)).toBe('ENTRYPOINT ["node", "relay/main.ts"]')
  })

  it('sends only those sources to the builder', () => {
    const ignore = readFileSync(resolve(root, 'deploy/Dockerfile.dockerignore'), 'utf8')
    expect(ignore.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      '*',
      '!package.json',
      '!package-lock.json',
      '!shared/**',
      '!relay/**',
    ])
    expect(existsSync(resolve(root, 'package-lock.json'))).toBe(true)
  })
})
