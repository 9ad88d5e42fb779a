import { describe, expect, it } from 'vitest'
import { loadKubeConfig } from '../../relay/kube-client.ts'
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
})
