import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultKubeconfigExists, loadKubeConfig } from '../../relay/kube-client.ts'
import { writeKubeconfig } from '../support/kubeconfig.ts'

describe('loadKubeConfig', () => {
  it('reads --kubeconfig as is', () => {
    const file = writeKubeconfig({ server: 'https://api.example:6443', token: 'secret-token' })
    try {
      const config = loadKubeConfig({ kubeconfig: file.path, inCluster: false })
      expect(config.getCurrentCluster()?.server).toBe('https://api.example:6443')
      expect(config.getCurrentUser()?.token).toBe('secret-token')
    } finally {
      file.remove()
    }
  })

  it('lets --master-url override the server and keep the kubeconfig credentials', () => {
    const file = writeKubeconfig({ server: 'https://api.example:6443', token: 'secret-token' })
    try {
      const config = loadKubeConfig({
        kubeconfig: file.path,
        masterUrl: 'https://other.example:443',
        inCluster: false,
      })
      expect(config.getCurrentCluster()?.server).toBe('https://other.example:443')
      expect(config.getCurrentUser()?.token).toBe('secret-token')
    } finally {
      file.remove()
    }
  })

  it('accepts a plain-http --master-url alone, turning TLS verification off as client-node requires', () => {
    const config = loadKubeConfig({ masterUrl: 'http://127.0.0.1:8001', inCluster: false })
    expect(config.getCurrentCluster()).toMatchObject({
      server: 'http://127.0.0.1:8001',
      skipTLSVerify: true,
    })
  })

  it('keeps TLS verification for an https --master-url', () => {
    const config = loadKubeConfig({ masterUrl: 'https://api.example', inCluster: false })
    expect(config.getCurrentCluster()?.skipTLSVerify).toBe(false)
  })

  it('fails on a kubeconfig file that does not exist', () => {
    expect(() =>
      loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig', inCluster: false }),
    ).toThrow(/ENOENT/)
  })

  it('refuses to guess a server when there is no configuration at all', () => {
    expect(() => loadKubeConfig({ inCluster: false, hasDefaultKubeconfig: false })).toThrow(
      /no Kubernetes configuration found.*--kubeconfig.*--master-url/,
    )
  })

  it('finds a default kubeconfig through KUBECONFIG or ~/.kube/config only', () => {
    const home = mkdtempSync(join(tmpdir(), 'kube-home-'))
    try {
      expect(defaultKubeconfigExists({ HOME: home })).toBe(false)
      expect(defaultKubeconfigExists({ HOME: home, KUBECONFIG: '/some/where' })).toBe(true)
      mkdirSync(join(home, '.kube'))
      writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n')
      expect(defaultKubeconfigExists({ HOME: home })).toBe(true)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
