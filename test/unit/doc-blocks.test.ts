import { describe, expect, it } from 'vitest'
import { splitBlockSteps } from '../support/doc-blocks.ts'

// The docs check runs `npx sidecar-injector` lines in process and the rest with bash; a line
// sent the wrong way would either fail or skip what bash would have done.
describe('splitBlockSteps', () => {
  it('runs plain sidecar-injector calls in process, in order with the shell code around them', () => {
    const code = [
      'export INJECTOR_SECRET="$(openssl rand -base64 32)"',
      'mkdir -p clusters/prod-eu',
      'npx sidecar-injector token --cluster prod-eu --only sync > clusters/prod-eu/sync-token',
      'kubectl kustomize deploy/relay',
    ].join('\n')
    expect(splitBlockSteps(code)).toEqual([
      {
        kind: 'shell',
        code: 'export INJECTOR_SECRET="$(openssl rand -base64 32)"\nmkdir -p clusters/prod-eu',
      },
      {
        kind: 'cli',
        line: 'npx sidecar-injector token --cluster prod-eu --only sync > clusters/prod-eu/sync-token',
        args: 'token --cluster prod-eu --only sync',
        stdoutTo: 'clusters/prod-eu/sync-token',
      },
      { kind: 'shell', code: 'kubectl kustomize deploy/relay' },
    ])
  })

  it('joins continuation lines and keeps $VARS and quotes for bash to expand', () => {
    const code = `npx sidecar-injector webhook-config --worker "$URL" \\\n  --token-file 'my token'`
    expect(splitBlockSteps(code)).toEqual([
      {
        kind: 'cli',
        line: `npx sidecar-injector webhook-config --worker "$URL"    --token-file 'my token'`,
        args: `webhook-config --worker "$URL"    --token-file 'my token'`,
      },
    ])
  })

  it.each([
    ['a pipe', 'npx sidecar-injector token --cluster a | head -1'],
    ['a list', 'mkdir -p .tmp && npx sidecar-injector token --cluster a'],
    ['a substitution', 'npx sidecar-injector token --cluster "$(cat name)"'],
    ['a stderr redirection', 'npx sidecar-injector validate x.yaml 2> errors'],
    ['an appending redirection', 'npx sidecar-injector validate x.yaml >> out'],
    ['a comment', 'npx sidecar-injector validate x.yaml # check'],
    ['another tool', 'npx wrangler deploy'],
  ])('leaves a line with %s to bash', (_, line) => {
    expect(splitBlockSteps(line)).toEqual([{ kind: 'shell', code: line }])
  })

  it('never reads a heredoc body as a command', () => {
    const code = "cat > run.sh <<'EOF'\nnpx sidecar-injector validate x.yaml\nEOF\ncat run.sh"
    expect(splitBlockSteps(code)).toEqual([{ kind: 'shell', code }])
  })
})
