import type { JsonObject } from './json.ts'
import { checkKubernetesFields } from './kubernetes-fields.ts'
import { checkPodInvariants } from './pod-invariants.ts'
import { patchPodShape, readPodShape } from './pod-shape.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { PatchOp, SidecarConfig } from './types.ts'

// A resolved config is immutable and answered as the same object while it is cached, so its
// types are checked once, not on every admission.
const typeProblems = new WeakMap<SidecarConfig, string | null>()

/**
 * The safety net before an answer: why the pod that `patch` makes of `pod` would be refused by
 * the API server, or `undefined` when it would not. The Kubernetes types of everything the
 * configs add are checked once per resolved config; on every admission the patch is applied to
 * the pod's shape (its container, volume and mount lists: cheap, and the pod is not copied) and
 * the cross-references are checked, problems the pod had before the patch left out.
 */
export function checkInjectionResult(
  pod: JsonObject,
  configs: readonly SidecarConfig[],
  patch: readonly PatchOp[],
): string | undefined {
  for (const config of configs) {
    const problem = typeProblemOf(config)
    if (problem !== undefined) return `config "${formatSidecarRef(config)}": ${problem}`
  }
  const shape = readPodShape(pod)
  const failure = patchPodShape(shape, patch)
  if (failure !== undefined) return failure
  const problems = checkPodInvariants(shape)
  if (problems.length === 0) return undefined
  // What the pod already got wrong is not the injection's doing: the API server will say so.
  const before = new Set(checkPodInvariants(readPodShape(pod)))
  const [first, ...more] = problems.filter((problem) => !before.has(problem))
  if (first === undefined) return undefined
  return more.length === 0 ? first : `${first} (and ${more.length} more)`
}

function typeProblemOf(config: SidecarConfig): string | undefined {
  const known = typeProblems.get(config)
  if (known !== undefined) return known ?? undefined
  let problem: string | undefined
  checkKubernetesFields(config, (path, message) => {
    problem ??= `${path}: ${message}`
  })
  typeProblems.set(config, problem ?? null)
  return problem
}
