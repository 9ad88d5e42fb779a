/** Settings of a debouncer. */
export interface DebouncerOptions {
  /** Quiet time after the last trigger before firing. */
  readonly delayMs: number
  /** Upper bound from the first trigger of a burst to the fire, so a steady stream still fires. */
  readonly maxDelayMs: number
  readonly fire: () => void
}

/** A debouncer; `trigger` schedules, `flush` fires now if pending, `cancel` drops a pending fire. */
export interface Debouncer {
  trigger(): void
  flush(): void
  cancel(): void
  pending(): boolean
}

/** Creates a trailing-edge debouncer with a bounded maximum delay. */
export function createDebouncer(options: DebouncerOptions): Debouncer {
  let timer: NodeJS.Timeout | undefined
  let burstStart = 0

  const fire = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    options.fire()
  }

  return {
    trigger: () => {
      const now = Date.now()
      if (timer === undefined) burstStart = now
      else clearTimeout(timer)
      const due = Math.min(now + options.delayMs, burstStart + options.maxDelayMs)
      // Timers are unref'd so a pending one never keeps a stopping relay alive.
      timer = setTimeout(fire, Math.max(0, due - now)).unref()
    },
    flush: () => {
      if (timer !== undefined) fire()
    },
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
    pending: () => timer !== undefined,
  }
}
